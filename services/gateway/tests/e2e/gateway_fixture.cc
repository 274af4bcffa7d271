#include "services/gateway/tests/e2e/gateway_fixture.h"

#include <catch2/catch.hpp>

#include "libs/realtime/publish.h"
#include "libs/redis/client.h"
#include "libs/testing/fixtures.h"

namespace parta::gateway::testing {

std::unique_ptr<GatewayFixture> GatewayFixture::Start(
    const std::function<void(GatewayConfig&)>& adjust,
    const std::function<void(identity::IdentityConfig&)>& adjust_identity,
    const std::function<void(identity::testing::IdentityFixture&, GatewayConfig&)>& with_identity) {
  std::unique_ptr<GatewayFixture> fixture(new GatewayFixture());
  fixture->identity_ = identity::testing::IdentityFixture::Start([&](identity::IdentityConfig& c) {
    c.trusted_proxies = {"127.0.0.1"};  // the gateway passes on the client's address
    c.outbox_poll_interval = absl::Milliseconds(20);
    if (adjust_identity) adjust_identity(c);
  });
  if (!fixture->identity_) return nullptr;
  fixture->backend_ = std::make_unique<TranscodingBackend>();
  GatewayConfig& config = fixture->config_;
  config.http.listen_address = "127.0.0.1";
  config.http.port = 0;
  config.http.threads = 2;
  config.metrics_listen.clear();
  config.redis_uri = *parta::testing::TestRedisUri();
  config.backends["identity"] =
      "127.0.0.1:" + std::to_string(fixture->identity_->app().grpc_port());
  config.backends["testing"] = "127.0.0.1:" + std::to_string(fixture->backend_->port());
  config.verify = {.issuer = fixture->identity_->config().identity.issuer,
                   .audience = fixture->identity_->config().identity.audience};
  config.revocation_cache_ttl = absl::ZeroDuration();  // see a logout at once
  config.rest.access_log = false;
  config.events.subscription_backends = {"testing"};
  config.events.signal_backend = "testing";
  config.events.auth_timeout = absl::Seconds(1);
  config.rate_limits_enabled = false;  // the rate-limit tests turn them on
  config.readiness_interval = absl::Milliseconds(100);
  if (adjust) adjust(config);
  if (with_identity) with_identity(*fixture->identity_, config);
  absl::StatusOr<std::unique_ptr<GatewayApp>> gateway = GatewayApp::Start(config);
  INFO(gateway.status().ToString());
  REQUIRE(gateway.ok());
  fixture->gateway_ = *std::move(gateway);
  return fixture;
}

GatewayFixture::~GatewayFixture() {
  if (gateway_) gateway_->Shutdown(absl::Seconds(2));
}

std::unique_ptr<GatewayApp> GatewayFixture::StartAnotherGateway(
    const std::function<void(GatewayConfig&)>& adjust) {
  GatewayConfig config = config_;
  if (adjust) adjust(config);
  absl::StatusOr<std::unique_ptr<GatewayApp>> gateway = GatewayApp::Start(config);
  INFO(gateway.status().ToString());
  REQUIRE(gateway.ok());
  return *std::move(gateway);
}

ClientResponse GatewayFixture::Get(const std::string& target, const std::string& token) {
  std::map<std::string, std::string> headers;
  if (!token.empty()) headers["authorization"] = "Bearer " + token;
  return HttpRequest(port(), "GET", target, "", headers);
}

ClientResponse GatewayFixture::Send(const std::string& method, const std::string& target,
                                    const std::string& body, const std::string& token) {
  std::map<std::string, std::string> headers;
  if (!token.empty()) headers["authorization"] = "Bearer " + token;
  return HttpRequest(port(), method, target, body, headers);
}

std::string GatewayFixture::SignUp(const std::string& email) {
  nlohmann::json registration = {{"email", email},
                                 {"password", identity::testing::kPassword},
                                 {"displayName", "Мария Ивановна"}};
  ClientResponse registered = Send("POST", "/v1/accounts:register", registration.dump());
  INFO(registered.body);
  REQUIRE(registered.status == 200);
  nlohmann::json login = {
      {"login", email}, {"password", identity::testing::kPassword}, {"device", "e2e"}};
  ClientResponse logged_in = Send("POST", "/v1/sessions:login", login.dump());
  INFO(logged_in.body);
  REQUIRE(logged_in.status == 200);
  return logged_in.json()["accessToken"].get<std::string>();
}

}  // namespace parta::gateway::testing

namespace parta::gateway::testing {

std::unique_ptr<WebSocketClient> GatewayFixture::Connect(const std::string& token, int port) {
  WebSocketClient::Options options;
  options.protocols = {"parta.v1", "bearer." + token};
  return WebSocketClient::Connect(port == 0 ? this->port() : port, options);
}

void GatewayFixture::PublishNotice(const std::string& channel, const std::string& text,
                                   const std::string& redis_uri) {
  auto endpoint = redis::Endpoint::Parse(redis_uri.empty() ? config_.redis_uri : redis_uri);
  REQUIRE(endpoint.ok());
  redis::Pool pool({.endpoint = *endpoint, .size = 1});
  events::v1::Envelope envelope;
  envelope.mutable_event()->set_id(text);
  envelope.mutable_event()->mutable_notice()->set_text(text);
  REQUIRE(realtime::Publish(pool, channel, envelope).ok());
}

std::string GatewayFixture::UserIdOf(const std::string& token) {
  ClientResponse me = Get("/v1/me", token);
  REQUIRE(me.status == 200);
  return me.json()["id"].get<std::string>();
}

}  // namespace parta::gateway::testing
