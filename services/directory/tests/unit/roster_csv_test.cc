#include "services/directory/domain/roster_csv.h"

#include <catch2/catch.hpp>

#include "libs/core/status.h"

namespace parta::directory {
namespace {

const absl::CivilDay kToday(2026, 11, 29);

TEST_CASE("Roster files: comma or semicolon, quotes, any column order, both languages",
          "[directory][unit][csv]") {
  absl::StatusOr<ParsedRoster> parsed = ParseRoster(
      "role,birth_date,first_name,last_name,patronymic,class\n"
      "student,2015-03-14,\"Пётр \"\"Петя\"\"\",Иванов,Сергеевич,5А\n"
      "\n"
      "teacher,01.09.1985,Мария,\"Кузнецова,\nмладшая\",,\n",
      kToday, 100);
  REQUIRE(parsed.ok());
  REQUIRE(parsed->rows.size() == 1);
  CHECK(parsed->rows[0].first_name == "Пётр \"Петя\"");
  CHECK(parsed->rows[0].DisplayName() == "Иванов Пётр \"Петя\" Сергеевич");
  CHECK(parsed->rows[0].birth_date == "2015-03-14");
  CHECK(parsed->rows[0].line == 2);
  // A quoted newline inside a name is no name.
  REQUIRE(parsed->rejected.size() == 1);
  CHECK(parsed->rejected[0].line == 4);
  CHECK(parsed->rejected[0].reason == "INVALID_NAME");
}

TEST_CASE("Roster lines are checked one by one, with reasons", "[directory][unit][csv]") {
  absl::StatusOr<ParsedRoster> parsed = ParseRoster(
      "Класс;Фамилия;Имя;Отчество;Дата рождения;Роль\n"
      "5А;Иванов;Пётр;;2030-01-01;ученик\n"
      "5А;Иванов;Пётр;;29.02.2015;ученик\n"
      "5А;Иванов;Пётр;;28.02.2015;УЧЕНИК\n"
      "5А;иванов;пётр;;28.02.2015;ученик\n"
      "5А;;Пётр;;28.02.2015;ученик\n"
      ";Сидоров;Пётр;;28.02.1980;завуч\n",
      kToday, 100);
  REQUIRE(parsed.ok());
  REQUIRE(parsed->rows.size() == 1);
  std::vector<std::string> reasons;
  for (const RejectedRow& row : parsed->rejected) reasons.push_back(row.reason);
  CHECK(reasons == std::vector<std::string>{"INVALID_BIRTH_DATE", "INVALID_BIRTH_DATE",
                                            "DUPLICATE_ROW", "INVALID_NAME", "INVALID_ROLE"});
}

TEST_CASE("Roster files that are not rosters are refused whole", "[directory][unit][csv]") {
  CHECK(ReasonOf(ParseRoster("", kToday, 10).status()) == "INVALID_CSV");
  CHECK(ReasonOf(ParseRoster("class,last_name\n5А,Иванов\n", kToday, 10).status()) ==
        "INVALID_CSV");
  CHECK(ReasonOf(
            ParseRoster("class,last_name,first_name,patronymic,birth_date,role\n\xff\n", kToday, 10)
                .status()) == "INVALID_CSV");
  std::string many = "class,last_name,first_name,patronymic,birth_date,role\n";
  for (int i = 0; i < 11; ++i) many += "5А,Иванов,Пётр,,2015-01-01,student\n";
  CHECK(ReasonOf(ParseRoster(many, kToday, 10).status()) == "TOO_MANY_ROWS");
}

}  // namespace
}  // namespace parta::directory
