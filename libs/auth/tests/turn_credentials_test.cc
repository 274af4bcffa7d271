#include "libs/auth/turn_credentials.h"

#include <catch2/catch.hpp>

namespace parta::auth {
namespace {

// The expected passwords were computed independently of this code:
//   printf '%s' "$USERNAME" | openssl dgst -sha1 -hmac "$SECRET" -binary | base64
TEST_CASE("MakeTurnCredentials puts the expiry before the user id and signs the username",
          "[auth][turn]") {
  TurnCredentials credentials =
      MakeTurnCredentials("parta-turn-test-secret", "0190a3b2-7c1e-7d4a-9f00-5e2b8c1d4e6f",
                          absl::FromUnixSeconds(1'800'000'000));
  CHECK(credentials.username == "1800000000:0190a3b2-7c1e-7d4a-9f00-5e2b8c1d4e6f");
  CHECK(credentials.password == "2598bieCH/wCsD2E+MH5jDbKYmw=");
}

TEST_CASE("MakeTurnCredentials counts the expiry in whole seconds", "[auth][turn]") {
  TurnCredentials credentials =
      MakeTurnCredentials("x", "u", absl::FromUnixSeconds(1'800'000'000) + absl::Milliseconds(999));
  CHECK(credentials.username == "1800000000:u");
  CHECK(credentials.password == "JtYn26Vh8ksAIxIaH3pfCnjXwiU=");
}

TEST_CASE("MakeTurnCredentials gives another password for another secret or expiry",
          "[auth][turn]") {
  absl::Time expiry = absl::FromUnixSeconds(1'800'000'000);
  std::string password = MakeTurnCredentials("x", "u", expiry).password;
  CHECK(MakeTurnCredentials("y", "u", expiry).password != password);
  CHECK(MakeTurnCredentials("x", "u", expiry + absl::Seconds(1)).password != password);
}

}  // namespace
}  // namespace parta::auth
