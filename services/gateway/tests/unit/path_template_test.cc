#include <catch2/catch.hpp>

#include "libs/testing/status_matchers.h"
#include "services/gateway/routing/path_template.h"

namespace parta::gateway {
namespace {

PathTemplate MustParse(const std::string& text) {
  absl::StatusOr<PathTemplate> parsed = PathTemplate::Parse(text);
  REQUIRE_OK(parsed.status());
  return *parsed;
}

TEST_CASE("a literal template matches only its own path", "[path_template]") {
  PathTemplate path = MustParse("/v1/me");
  CHECK(path.Match("/v1/me").has_value());
  CHECK(path.Match("/v1/me")->empty());
  CHECK_FALSE(path.Match("/v1/me/"));
  CHECK_FALSE(path.Match("/v1/mee"));
  CHECK_FALSE(path.Match("/v1"));
  CHECK_FALSE(path.Match("v1/me"));
  CHECK_FALSE(path.Match(""));
}

TEST_CASE("a nested variable binds the whole resource name", "[path_template]") {
  PathTemplate path = MustParse("/v1/{name=schools/*/classes/*}");
  auto bindings = path.Match("/v1/schools/42/classes/5%D0%90");
  REQUIRE(bindings);
  REQUIRE(bindings->size() == 1);
  CHECK((*bindings)[0].field_path == std::vector<std::string>{"name"});
  CHECK((*bindings)[0].value == "schools/42/classes/5А");
  CHECK_FALSE(path.Match("/v1/schools/42/classes"));
  CHECK_FALSE(path.Match("/v1/schools/42/pupils/7"));
  CHECK_FALSE(path.Match("/v1/schools//classes/7"));
  CHECK_FALSE(path.Match("/v1/schools/42/classes/7/extra"));
}

TEST_CASE("a dotted field path and a trailing literal", "[path_template]") {
  PathTemplate path = MustParse("/v1/{class.name=schools/*/classes/*}/students");
  auto bindings = path.Match("/v1/schools/1/classes/2/students");
  REQUIRE(bindings);
  CHECK((*bindings)[0].field_path == std::vector<std::string>{"class", "name"});
  CHECK((*bindings)[0].value == "schools/1/classes/2");
}

TEST_CASE("a verb must be present and is not part of the variable", "[path_template]") {
  PathTemplate path = MustParse("/v1/me/sessions/{session_id}:revoke");
  auto bindings = path.Match("/v1/me/sessions/abc:revoke");
  REQUIRE(bindings);
  CHECK((*bindings)[0].value == "abc");
  CHECK_FALSE(path.Match("/v1/me/sessions/abc"));
  CHECK_FALSE(path.Match("/v1/me/sessions/abc:cancel"));
  CHECK_FALSE(path.Match("/v1/me/sessions/:revoke"));

  PathTemplate literal = MustParse("/v1/sessions:login");
  CHECK(literal.Match("/v1/sessions:login"));
  CHECK_FALSE(literal.Match("/v1/sessions"));
  CHECK_FALSE(literal.Match("/v1/sessions:logout"));
}

TEST_CASE("a double-star variable takes the rest of the path and keeps an encoded slash",
          "[path_template]") {
  PathTemplate path = MustParse("/v1/testing/classes/{name=**}");
  auto bindings = path.Match("/v1/testing/classes/a/b%2Fc/d");
  REQUIRE(bindings);
  CHECK((*bindings)[0].value == "a/b%2Fc/d");
  // A single-segment variable decodes everything, so "%2F" cannot split it.
  PathTemplate single = MustParse("/v1/{id}");
  auto decoded = single.Match("/v1/a%2Fb");
  REQUIRE(decoded);
  CHECK((*decoded)[0].value == "a/b");
}

TEST_CASE("bad escapes do not match", "[path_template]") {
  PathTemplate path = MustParse("/v1/{id}");
  CHECK_FALSE(path.Match("/v1/%zz"));
  CHECK_FALSE(path.Match("/v1/%4"));
  CHECK_FALSE(path.Match("/v1/abc%"));
}

TEST_CASE("invalid templates are refused with a reason", "[path_template]") {
  for (const char* text :
       {"", "v1/me", "/v1/{", "/v1/{}", "/v1/{name=**}/tail", "/v1/{a}/{a}", "/v1/me:",
        "/v1/{name=schools/{id}}", "/v1//me", "/v1/{a..b}", "/v1/me?x"}) {
    INFO(text);
    CHECK_STATUS(PathTemplate::Parse(text).status(), kInvalidArgument, "INVALID_PATH_TEMPLATE");
  }
}

TEST_CASE("shape erases variable names so that equal shapes collide", "[path_template]") {
  CHECK(MustParse("/v1/{name=schools/*}").Shape() == "/v1/schools/*");
  CHECK(MustParse("/v1/schools/{school}").Shape() == "/v1/schools/*");
  CHECK(MustParse("/v1/{a=**}:x").Shape() == "/v1/**:x");
}

TEST_CASE("example paths match their own template", "[path_template]") {
  for (const char* text : {"/v1/me", "/v1/{name=schools/*/classes/*}", "/v1/{a}/b/{c=**}",
                           "/v1/me/sessions/{session_id}:revoke"}) {
    PathTemplate path = MustParse(text);
    INFO(path.ExamplePath());
    CHECK(path.Match(path.ExamplePath()));
  }
}

TEST_CASE("literals are more specific than variables", "[path_template]") {
  PathTemplate literal = MustParse("/v1/me");
  PathTemplate variable = MustParse("/v1/{id}");
  PathTemplate rest = MustParse("/v1/{id=**}");
  CHECK(PathTemplate::MoreSpecific(literal, variable));
  CHECK_FALSE(PathTemplate::MoreSpecific(variable, literal));
  CHECK(PathTemplate::MoreSpecific(variable, rest));
}

}  // namespace
}  // namespace parta::gateway
