#include "services/signaling/attendance/attendance_csv.h"

#include <catch2/catch.hpp>

#include "absl/strings/str_split.h"

namespace parta::signaling {
namespace {

absl::Time At(const char* text) {
  absl::Time t;
  std::string error;
  REQUIRE(absl::ParseTime(absl::RFC3339_full, text, &t, &error));
  return t;
}

TEST_CASE("Attendance CSV: a byte order mark, semicolons, CRLF, local times, one row per stay",
          "[signaling][unit]") {
  absl::TimeZone moscow;
  REQUIRE(absl::LoadTimeZone("Europe/Moscow", &moscow));
  const std::vector<AttendanceRow> rows = {
      {.user_id = "u1",
       .name = "Мария Ивановна Петрова",
       .role = v1::CALL_ROLE_HOST,
       .joined = At("2026-12-07T06:00:00Z"),
       .left = At("2026-12-07T06:34:10Z"),
       .reason = v1::LEAVE_REASON_CALL_ENDED},
      {.user_id = "u2",
       .name = "Ёжиков; Пётр",
       .role = v1::CALL_ROLE_PARTICIPANT,
       .joined = At("2026-12-07T06:01:00Z"),
       .left = At("2026-12-07T06:05:00Z"),
       .reason = v1::LEAVE_REASON_TIMED_OUT},
      {.user_id = "u2",
       .name = "Ёжиков; Пётр",
       .role = v1::CALL_ROLE_PARTICIPANT,
       .joined = At("2026-12-07T06:06:00Z")},
  };
  const std::string csv = AttendanceCsv(rows, moscow, "Europe/Moscow");
  REQUIRE(csv.rfind("\xEF\xBB\xBF", 0) == 0);
  const std::vector<std::string> lines = absl::StrSplit(csv.substr(3), "\r\n");
  REQUIRE(lines.size() == 5);  // header, three stays, the empty tail after the last CRLF
  CHECK(lines[0] ==
        "Участник;Идентификатор;Роль;Вход (Europe/Moscow);Выход (Europe/Moscow);Минут;Как вышел");
  CHECK(lines[1] ==
        "Мария Ивановна Петрова;u1;ведущий;2026-12-07 09:00:00;2026-12-07 09:34:10;34;"
        "звонок завершён");
  CHECK(lines[2] ==
        "\"Ёжиков; Пётр\";u2;участник;2026-12-07 09:01:00;2026-12-07 09:05:00;4;пропала связь");
  CHECK(lines[3] == "\"Ёжиков; Пётр\";u2;участник;2026-12-07 09:06:00;;;в звонке");
  CHECK(lines[4].empty());
}

TEST_CASE("Attendance CSV: quotes doubled, formulas defused, plain text untouched",
          "[signaling][unit]") {
  CHECK(CsvField("Иванов") == "Иванов");
  CHECK(CsvField("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(CsvField("two\nlines") == "\"two\nlines\"");
  CHECK(CsvField(" padded") == "\" padded\"");
  CHECK(CsvField("=HYPERLINK(\"x\")") == "\"'=HYPERLINK(\"\"x\"\")\"");
  CHECK(CsvField("+7 900") == "'+7 900");
  CHECK(CsvField("-1") == "'-1");
  CHECK(CsvField("@cmd") == "'@cmd");
  CHECK(CsvField("") == "");
}

}  // namespace
}  // namespace parta::signaling
