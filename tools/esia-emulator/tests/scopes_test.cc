#include "tools/esia-emulator/scopes.h"

#include <catch2/catch.hpp>

#include "libs/testing/status_matchers.h"

namespace parta::esia_emulator {
namespace {

TEST_CASE("ScopeSet keeps known scopes in a fixed order", "[esia][unit]") {
  const absl::StatusOr<ScopeSet> scopes = ScopeSet::Parse("mobile  openid fullname mobile");
  REQUIRE_OK(scopes);
  CHECK(scopes->Has("openid"));
  CHECK(scopes->Has("fullname"));
  CHECK(scopes->Has("mobile"));
  CHECK(!scopes->Has("email"));
  CHECK(scopes->ToString() == "openid fullname mobile");
}

TEST_CASE("ScopeSet refuses unknown scopes and a request without openid", "[esia][unit]") {
  CHECK_STATUS(ScopeSet::Parse("openid passport"), kInvalidArgument, "UNKNOWN_SCOPE");
  CHECK_STATUS(ScopeSet::Parse("openid,fullname"), kInvalidArgument, "UNKNOWN_SCOPE");
  CHECK_STATUS(ScopeSet::Parse("fullname"), kInvalidArgument, "NO_OPENID");
  CHECK_STATUS(ScopeSet::Parse(""), kInvalidArgument, "NO_OPENID");
}

}  // namespace
}  // namespace parta::esia_emulator
