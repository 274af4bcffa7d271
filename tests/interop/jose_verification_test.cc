// Parta's access tokens verified by anyone with a standard library: the npm `jose` library
// (tests/jose, locked) reads the gateway's /.well-known/openid-configuration and the JSON Web Key
// Set it names, and verifies a real access token as a regional system would.

#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/auth/token.h"
#include "services/gateway/tests/e2e/gateway_fixture.h"
#include "tests/browser/node_runner.h"

#ifndef PARTA_JOSE_TESTS_DIR
#error "PARTA_JOSE_TESTS_DIR must name tests/jose"
#endif

namespace parta {
namespace {

using gateway::testing::ClientResponse;
using gateway::testing::GatewayFixture;

// A loopback port nothing listens on now, for the gateway: the issuer URL names it before the
// gateway starts.
int UnusedPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  socklen_t length = sizeof(address);
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  ::close(fd);
  return ntohs(address.sin_port);
}

// The key id in a token's header.
std::string KeyIdOf(const std::string& token) {
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  REQUIRE(parts.size() == 3);
  std::string header;
  REQUIRE(absl::WebSafeBase64Unescape(parts[0], &header));
  return nlohmann::json::parse(header).at("kid").get<std::string>();
}

TEST_CASE("A regional system verifies a Parta access token with jose from the well-known documents",
          "[e2e][interop][auth]") {
  const int port = UnusedPort();
  const std::string issuer = absl::StrCat("http://127.0.0.1:", port);
  PARTA_GATEWAY_FIXTURE(
      g, [&](gateway::GatewayConfig& config) {
        config.http.port = port;
        config.verify.issuer = issuer;
      },
      [&](identity::IdentityConfig& config) { config.identity.issuer = issuer; });
  const std::string token = g->SignUp("anna@школа.рф");
  const std::string subject = g->UserIdOf(token);

  ClientResponse discovery = g->Get("/.well-known/openid-configuration");
  REQUIRE(discovery.status == 200);
  CHECK(discovery.header("content-type") == "application/json");
  CHECK(discovery.json()["jwks_uri"] == issuer + "/.well-known/jwks.json");
  ClientResponse jwks = g->Get("/.well-known/jwks.json");
  REQUIRE(jwks.status == 200);
  CHECK(jwks.header("content-type") == "application/jwk-set+json");
  REQUIRE(jwks.json()["keys"].size() >= 1);
  CHECK(jwks.json()["keys"][0]["kty"] == "OKP");

  // The same claims, signed under the same key id by a key that is not Parta's.
  auth::Claims claims{.issuer = issuer,
                      .audience = "parta",
                      .subject = subject,
                      .session_id = "forged",
                      .token_id = "forged",
                      .issued_at = absl::Now(),
                      .not_before = absl::Now(),
                      .expires_at = absl::Now() + absl::Minutes(5)};
  const std::string forged =
      auth::SignToken(auth::Ed25519PrivateKey::Generate(), KeyIdOf(token), claims);

  CHECK(parta::testing::RunNodeScript(std::string(PARTA_JOSE_TESTS_DIR) + "/verify_token.mjs",
                                      {issuer, "parta", token, subject, forged}) == 0);
}

TEST_CASE("Without an issuer URL there is no discovery document, and says why", "[e2e][auth]") {
  PARTA_GATEWAY_FIXTURE(g);
  ClientResponse discovery = g->Get("/.well-known/openid-configuration");
  CHECK(discovery.status == 400);
  CHECK(discovery.reason() == "ISSUER_NOT_URL");
  CHECK(g->Get("/.well-known/jwks.json").status == 200);
}

}  // namespace
}  // namespace parta
