#include "libs/http/encoding.h"

#include <catch2/catch.hpp>

namespace parta::http {
namespace {

TEST_CASE("Percent-encoding keeps unreserved characters and encodes the rest, Cyrillic too",
          "[http][unit]") {
  CHECK(PercentEncode("AZaz09-._~") == "AZaz09-._~");
  CHECK(PercentEncode("a b+c&d=e/f") == "a%20b%2Bc%26d%3De%2Ff");
  CHECK(PercentEncode("/a b/c", /*keep_slash=*/true) == "/a%20b/c");
  CHECK(PercentEncode("ф") == "%D1%84");
  CHECK(PercentEncode("2026.12.07 12:00:00 +0300") == "2026.12.07%2012%3A00%3A00%20%2B0300");
}

TEST_CASE("Form pieces are decoded, '+' as a space, and malformed escapes refused",
          "[http][unit]") {
  CHECK(FormDecode("a+b%20c%2B%d0%98") == std::optional<std::string>("a b c+И"));
  CHECK(FormDecode("") == std::optional<std::string>(""));
  CHECK_FALSE(FormDecode("%").has_value());
  CHECK_FALSE(FormDecode("%2").has_value());
  CHECK_FALSE(FormDecode("%zz").has_value());
  CHECK_FALSE(FormDecode("abc%4").has_value());
  CHECK(FormDecode(FormEncode({{"a", "Ф x+y"}}).substr(2)) == std::optional<std::string>("Ф x+y"));
}

TEST_CASE("A form is encoded in the given order", "[http][unit]") {
  CHECK(FormEncode({{"scope", "openid fullname"}, {"state", "x&y"}, {"empty", ""}}) ==
        "scope=openid%20fullname&state=x%26y&empty=");
  CHECK(FormEncode({}).empty());
}

}  // namespace
}  // namespace parta::http
