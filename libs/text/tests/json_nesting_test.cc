#include "libs/text/json_nesting.h"

#include <catch2/catch.hpp>
#include <string>

namespace parta::text {
namespace {

std::string Nested(int depth, char open, char close) {
  return std::string(depth, open) + std::string(depth, close);
}

TEST_CASE("JSON nested up to the limit passes and one level more does not", "[text][unit]") {
  CHECK(JsonNestingWithin(Nested(kMaxJsonNesting, '[', ']')));
  CHECK_FALSE(JsonNestingWithin(Nested(kMaxJsonNesting + 1, '[', ']')));
  CHECK(JsonNestingWithin(R"({"a":{"b":[1,{"c":[]}]}})", 5));
  CHECK_FALSE(JsonNestingWithin(R"({"a":{"b":[1,{"c":[]}]}})", 4));
}

TEST_CASE("JSON nesting counts objects and arrays alike and resets on closing", "[text][unit]") {
  std::string mixed;
  for (int i = 0; i < 40; ++i) mixed += R"({"x":[)";
  CHECK_FALSE(JsonNestingWithin(mixed));  // 80 levels
  std::string siblings;
  for (int i = 0; i < 1000; ++i) siblings += "[[]],";
  CHECK(JsonNestingWithin("[" + siblings + "1]", 3));
}

TEST_CASE("brackets inside JSON strings and their escapes do not count", "[text][unit]") {
  const std::string brackets_in_text = "{\"x\":\"" + std::string(1000, '[') + "\"}";
  CHECK(JsonNestingWithin(brackets_in_text, 1));
  CHECK(JsonNestingWithin(R"({"x":"\"[[[[","y":"\\"})", 1));
  // An escaped quote does not end the string, so the brackets after it are still text.
  CHECK(JsonNestingWithin(R"(["\"[[[[[["])", 1));
  // A string that ends with an escaped backslash is closed: the bracket after it counts.
  CHECK_FALSE(JsonNestingWithin(R"(["\\",[[]]])", 2));
}

TEST_CASE("the body that once overflowed the gateway's stack is refused", "[text][unit]") {
  const std::string body =
      "{\"x\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
  CHECK_FALSE(JsonNestingWithin(body));
}

TEST_CASE("unbalanced closing brackets buy no extra depth", "[text][unit]") {
  CHECK_FALSE(JsonNestingWithin(std::string(100, ']') + Nested(3, '[', ']'), 2));
}

}  // namespace
}  // namespace parta::text
