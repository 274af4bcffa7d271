#include <catch2/catch.hpp>

#include "libs/testing/status_matchers.h"
#include "services/identity/domain/validation.h"

namespace parta::identity {
namespace {

TEST_CASE("E-mail addresses are normalised, Cyrillic domains included", "[identity][unit]") {
  CHECK(*NormalizeEmail("  Maria.Ivanova@School.RU ") == "maria.ivanova@school.ru");
  CHECK(*NormalizeEmail("director@школа.рф") == "director@школа.рф");
  CHECK(*NormalizeEmail("DIRECTOR@ШКОЛА.РФ") == "director@школа.рф");
  CHECK(*NormalizeEmail("a+tag@mail.example.com") == "a+tag@mail.example.com");
}

TEST_CASE("Malformed e-mail addresses are refused with INVALID_EMAIL", "[identity][unit]") {
  for (const char* bad : {"", "plain", "@school.ru", "a@", "a@localhost", "a..b@school.ru",
                          ".a@school.ru", "a@-school.ru", "a@school.r1", "a b@school.ru",
                          "a@school..ru", "\xff@school.ru"}) {
    INFO(bad);
    CHECK_STATUS(NormalizeEmail(bad), kInvalidArgument, "INVALID_EMAIL");
  }
  CHECK_STATUS(NormalizeEmail(std::string(250, 'a') + "@school.ru"), kInvalidArgument,
               "INVALID_EMAIL");
}

TEST_CASE("Russian phone numbers are normalised to E.164", "[identity][unit]") {
  CHECK(*NormalizePhone("8 (916) 123-45-67") == "+79161234567");
  CHECK(*NormalizePhone("+7 916 123 45 67") == "+79161234567");
  CHECK(*NormalizePhone("+44 20 7946 0958") == "+442079460958");
  for (const char* bad : {"", "12", "phone", "+7 916 123", "8 (000) 000-00-00"}) {
    INFO(bad);
    CHECK_STATUS(NormalizePhone(bad), kInvalidArgument, "INVALID_PHONE");
  }
}

TEST_CASE("Passwords must be 12 to 128 characters and hard to guess", "[identity][unit]") {
  REQUIRE_OK(CheckPasswordStrength("Луна над рекой Волга 1987", {}));
  REQUIRE_OK(CheckPasswordStrength("correct horse battery staple", {}));
  CHECK_STATUS(CheckPasswordStrength("Short1!", {}), kInvalidArgument, "PASSWORD_TOO_SHORT");
  // The limits count characters, not bytes: eleven Cyrillic letters (22 bytes) are too few,
  // a hard-to-guess twelve are enough.
  CHECK_STATUS(CheckPasswordStrength("абвгдеёжзий", {}), kInvalidArgument, "PASSWORD_TOO_SHORT");
  REQUIRE_OK(CheckPasswordStrength("ёжикщукацапля", {}));
  std::string cyrillic_128, cyrillic_129;
  for (int i = 0; i < 128; ++i) cyrillic_128 += (i % 2 ? "я" : "ю");
  cyrillic_129 = cyrillic_128 + "я";
  CHECK(ReasonOf(CheckPasswordStrength(cyrillic_128, {})) != "PASSWORD_TOO_LONG");
  CHECK_STATUS(CheckPasswordStrength(cyrillic_129, {}), kInvalidArgument, "PASSWORD_TOO_LONG");
  CHECK_STATUS(CheckPasswordStrength(std::string(129, 'x'), {}), kInvalidArgument,
               "PASSWORD_TOO_LONG");
  CHECK_STATUS(CheckPasswordStrength("password1234", {}), kInvalidArgument, "WEAK_PASSWORD");
  CHECK_STATUS(CheckPasswordStrength("aaaaaaaaaaaaaaaa", {}), kInvalidArgument, "WEAK_PASSWORD");
  CHECK_STATUS(CheckPasswordStrength("qwertyuiop123", {}), kInvalidArgument, "WEAK_PASSWORD");
  CHECK_STATUS(CheckPasswordStrength(std::string("bad\xff utf-8 password"), {}), kInvalidArgument,
               "INVALID_PASSWORD");
}

TEST_CASE("A password made of the person's own login is weak", "[identity][unit]") {
  REQUIRE_OK(CheckPasswordStrength("zhenyaprokofievna", {}));
  CHECK_STATUS(CheckPasswordStrength("zhenyaprokofievna", {"zhenyaprokofievna@school.ru"}),
               kInvalidArgument, "WEAK_PASSWORD");
}

TEST_CASE("Display names are trimmed, NFC-normalised and free of control characters",
          "[identity][unit]") {
  CHECK(*NormalizeDisplayName("  Мария Ивановна  ") == "Мария Ивановна");
  // "й" written as и + combining breve becomes the single precomposed letter.
  CHECK(*NormalizeDisplayName("Андре\xd0\xb8\xcc\x86") == "Андрей");
  for (std::string bad : {std::string(""), std::string("   "), std::string("Bell\x07"),
                          std::string(101, 'x'), std::string("zero\xe2\x80\x8bwidth")}) {
    INFO(bad);
    CHECK_STATUS(NormalizeDisplayName(bad), kInvalidArgument, "INVALID_DISPLAY_NAME");
  }
}

}  // namespace
}  // namespace parta::identity

namespace parta::identity {
namespace {

TEST_CASE("A SNILS is read as its digits and refused when its check number is wrong",
          "[identity][unit]") {
  auto ivanov = NormalizeSnils("112-233-445 95");
  REQUIRE(ivanov.ok());
  CHECK(*ivanov == "11223344595");
  CHECK(NormalizeSnils("11223344595").ok());
  auto petrova = NormalizeSnils("223-344-556 39");  // weighted sum 140: 140 mod 101 = 39
  REQUIRE(petrova.ok());
  CHECK(MaskSnils(*petrova) == "***-***-*** 39");
  CHECK(ReasonOf(NormalizeSnils("223-344-556 03").status()) == "INVALID_SNILS");
  CHECK(ReasonOf(NormalizeSnils("112-233-445").status()) == "INVALID_SNILS");
  CHECK(ReasonOf(NormalizeSnils("112-233-445 9a").status()) == "INVALID_SNILS");
  // Numbers up to 001-001-998 were issued without check numbers.
  CHECK(NormalizeSnils("001-001-998 00").ok());
}

}  // namespace
}  // namespace parta::identity
