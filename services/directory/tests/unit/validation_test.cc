#include "services/directory/domain/validation.h"

#include <catch2/catch.hpp>
#include <set>

#include "libs/core/status.h"

namespace parta::directory {
namespace {

School ValidSchool() {
  return School{.name = "  МБОУ СОШ № 5 ",
                .short_name = "Школа № 5",
                .region_code = "77",
                .address = "Москва",
                .time_zone = "Asia/Yekaterinburg",
                .inn = "7707083893",
                .ogrn = "1027700132195"};
}

TEST_CASE("INN and OGRN check digits", "[directory][unit]") {
  CHECK(ValidInn("7707083893"));  // Сбербанк
  CHECK(ValidInn("7736050003"));
  CHECK_FALSE(ValidInn("7707083894"));
  CHECK_FALSE(ValidInn("770708389"));
  CHECK_FALSE(ValidInn("77070838931"));
  CHECK_FALSE(ValidInn("77070838a3"));
  CHECK(ValidOgrn("1027700132195"));
  CHECK_FALSE(ValidOgrn("1027700132196"));
  CHECK_FALSE(ValidOgrn("102770013219"));
}

TEST_CASE("A school is trimmed, normalised and checked field by field", "[directory][unit]") {
  School school = ValidSchool();
  REQUIRE(NormalizeSchool(school).ok());
  CHECK(school.name == "МБОУ СОШ № 5");
  auto reason = [](auto change) {
    School s = ValidSchool();
    change(s);
    return ReasonOf(NormalizeSchool(s));
  };
  CHECK(reason([](School& s) { s.time_zone = "Moscow"; }) == "INVALID_TIME_ZONE");
  CHECK(reason([](School& s) { s.time_zone = ""; }) == "INVALID_TIME_ZONE");
  CHECK(reason([](School& s) { s.region_code = "00"; }) == "INVALID_REGION_CODE");
  CHECK(reason([](School& s) { s.region_code = "7a"; }) == "INVALID_REGION_CODE");
  CHECK(reason([](School& s) { s.name = "   "; }) == "INVALID_NAME");
  CHECK(reason([](School& s) { s.name = "bad\xff"; }) == "INVALID_NAME");
  CHECK(reason([](School& s) { s.short_name = std::string(65, 'x'); }) == "INVALID_SHORT_NAME");
  CHECK(reason([](School& s) { s.description = "строка\nещё строка"; }).empty());
  CHECK(reason([](School& s) { s.address = "a\x07"; }) == "INVALID_ADDRESS");
  CHECK(reason([](School& s) { s.inn = "1234567890"; }) == "INVALID_INN");
  CHECK(reason([](School& s) { s.ogrn = "1234567890123"; }) == "INVALID_OGRN");
}

TEST_CASE("Class letters: Latin look-alikes and lower case become one Cyrillic capital",
          "[directory][unit]") {
  CHECK(*NormalizeClassLetter(5, "А") == "А");
  CHECK(*NormalizeClassLetter(5, "а") == "А");
  CHECK(*NormalizeClassLetter(5, "A") == "А");  // Latin A
  CHECK(*NormalizeClassLetter(5, "a") == "А");
  CHECK(*NormalizeClassLetter(5, " b ") == "В");  // Latin b → upper B → Cyrillic В
  CHECK(*NormalizeClassLetter(5, "ё") == "Ё");
  CHECK(*NormalizeClassLetter(0, " Подготовительная группа ") == "Подготовительная группа");
  for (const char* bad : {"", "АБ", "Q", "1", "Ж2", "\xff"}) {
    INFO(bad);
    CHECK(ReasonOf(NormalizeClassLetter(5, bad).status()) == "INVALID_CLASS_LETTER");
  }
  CHECK(CheckGrade(0).ok());
  CHECK(CheckGrade(11).ok());
  CHECK(ReasonOf(CheckGrade(12)) == "INVALID_GRADE");
  CHECK(ReasonOf(CheckGrade(-1)) == "INVALID_GRADE");
  CHECK(ReasonOf(CheckAcademicYear(1999)) == "INVALID_ACADEMIC_YEAR");
}

TEST_CASE("Invitation codes: 128 random bits, typed leniently, stored hashed",
          "[directory][unit]") {
  std::set<std::string> codes;
  for (int i = 0; i < 1000; ++i) {
    std::string code = NewInvitationCode();
    REQUIRE(code.size() == 26);
    CHECK(*NormalizeInvitationCode(code) == code);
    codes.insert(code);
  }
  CHECK(codes.size() == 1000);
  std::string code = NewInvitationCode();
  std::string typed = code.substr(0, 4) + " - " + code.substr(4);
  for (char& c : typed) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  CHECK(*NormalizeInvitationCode(typed) == code);
  CHECK(*NormalizeInvitationCode("O0000000000000000000000000") == std::string(26, '0'));
  CHECK(*NormalizeInvitationCode("ILILILILILILILILILILILILIL") == std::string(26, '1'));
  CHECK(ReasonOf(NormalizeInvitationCode("U0000000000000000000000000").status()) == "INVALID_CODE");
  CHECK(ReasonOf(NormalizeInvitationCode("short").status()) == "INVALID_CODE");
  CHECK(HashInvitationCode(code).size() == 32);
  CHECK(HashInvitationCode(code) != HashInvitationCode(NewInvitationCode()));
}

TEST_CASE("Subjects are trimmed and bounded", "[directory][unit]") {
  CHECK(*NormalizeSubject("  Русский язык ") == "Русский язык");
  CHECK(ReasonOf(NormalizeSubject("").status()) == "INVALID_SUBJECT");
  CHECK(ReasonOf(NormalizeSubject(std::string(101, 'x')).status()) == "INVALID_SUBJECT");
}

}  // namespace
}  // namespace parta::directory
