// Rate limits over real HTTP: per address for anonymous requests, per user once signed in,
// shared across gateways through Redis, and still enforced when Redis is down.

#include <catch2/catch.hpp>

#include "libs/testing/servers.h"
#include "services/gateway/tests/e2e/gateway_fixture.h"

namespace parta::gateway::testing {
namespace {

int CountAccepted(int port, int requests, const std::string& token = "",
                  ClientResponse* last_refusal = nullptr) {
  int accepted = 0;
  for (int i = 0; i < requests; ++i) {
    std::map<std::string, std::string> headers;
    if (!token.empty()) headers["authorization"] = "Bearer " + token;
    ClientResponse response = HttpRequest(port, "POST", "/v1/testing:fail", "{}", headers);
    if (response.status == 200) ++accepted;
    if (response.status == 429 && last_refusal != nullptr) *last_refusal = response;
  }
  return accepted;
}

TEST_CASE("a burst over the limit gets 429 with Retry-After", "[e2e][limits]") {
  PARTA_GATEWAY_FIXTURE(f, [](GatewayConfig& config) {
    config.rate_limits_enabled = true;
    config.rate_limits.public_routes = {.per_second = 0.5, .burst = 5};
  });
  ClientResponse refused;
  CHECK(CountAccepted(f->port(), 12, "", &refused) == 5);
  CHECK(refused.status == 429);
  CHECK(refused.reason() == "RATE_LIMITED");
  CHECK(refused.header("retry-after") == "2");
  // Reads of a signed-in user have their own, separate budget.
  const std::string token = [&] {
    // Sign-up itself goes through public routes: use a gateway without limits for it.
    auto open = f->StartAnotherGateway([](GatewayConfig& config) {
      config.rate_limits_enabled = false;
    });
    nlohmann::json registration = {{"email", "limits@example.ru"},
                                   {"password", identity::testing::kPassword},
                                   {"displayName", "Лимит"}};
    REQUIRE(HttpRequest(open->http_port(), "POST", "/v1/accounts:register", registration.dump())
                .status == 200);
    ClientResponse login = HttpRequest(
        open->http_port(), "POST", "/v1/sessions:login",
        nlohmann::json{{"login", "limits@example.ru"}, {"password", identity::testing::kPassword}}
            .dump());
    REQUIRE(login.status == 200);
    open->Shutdown(absl::Seconds(1));
    return login.json()["accessToken"].get<std::string>();
  }();
  CHECK(f->Get("/v1/me", token).status == 200);
}

TEST_CASE("signed-in users behind one address are limited one by one", "[e2e][limits]") {
  PARTA_GATEWAY_FIXTURE(f, [](GatewayConfig& config) {
    config.rate_limits_enabled = true;
    config.rate_limits.reads = {.per_second = 0.5, .burst = 3};
  });
  // Tokens come from a gateway without limits.
  std::vector<std::string> tokens;
  for (const char* email : {"a@example.ru", "b@example.ru"}) tokens.push_back(f->SignUp(email));
  for (const std::string& token : tokens) {
    int accepted = 0;
    for (int i = 0; i < 6; ++i) accepted += f->Get("/v1/me", token).status == 200;
    CHECK(accepted == 3);
  }
}

TEST_CASE("gateways share one budget through Redis and keep limiting without it",
          "[e2e][limits]") {
  parta::testing::PrivateRedis redis;
  auto limited = [&](GatewayConfig& config) {
    config.redis_uri = redis.uri();
    config.rate_limits_enabled = true;
    // 5 at once, then almost nothing: a budget of 5 (+0.36) per hour-long window.
    config.rate_limits.public_routes = {.per_second = 0.0001, .burst = 5};
    config.rate_limits.window = absl::Hours(1);
    // The test syncs when it needs to; the periodic sync only runs at start.
    config.rate_limits.sync_interval = absl::Hours(1);
  };
  PARTA_GATEWAY_FIXTURE(f, limited);
  auto second = f->StartAnotherGateway(limited);
  CHECK(CountAccepted(f->port(), 5) == 5);
  f->gateway().SyncRateLimits();  // the spending reaches Redis
  // The second gateway's own bucket is full, but the shared budget is nearly spent: its next
  // sync learns that the total passed the budget.
  CHECK(CountAccepted(second->http_port(), 1) == 1);
  second->SyncRateLimits();
  CHECK(CountAccepted(second->http_port(), 4) == 0);

  // Without Redis a fresh gateway still limits with its local bucket.
  redis.Kill();
  auto alone = f->StartAnotherGateway(limited);
  CHECK(CountAccepted(alone->http_port(), 8) == 5);
  alone->Shutdown(absl::Seconds(1));
  second->Shutdown(absl::Seconds(1));
}

}  // namespace
}  // namespace parta::gateway::testing
