#pragma once

// The whole path a client takes, for e2e tests: a real identity service (its own schema in the
// test PostgreSQL, the test Redis), the transcoding test backend, and a gateway in front of both
// on 127.0.0.1:0, spoken to over real HTTP and WebSocket.

#include <functional>
#include <memory>
#include <string>

#include "services/gateway/gateway_app.h"
#include "services/gateway/tests/e2e/http_client.h"
#include "services/gateway/tests/e2e/transcoding_backend.h"
#include "services/identity/tests/identity_fixture.h"

namespace parta::gateway::testing {

class GatewayFixture {
 public:
  // nullptr when there is no test server (local runs outside `tools/parta test`).
  // `with_identity` runs last before the gateway starts, with the identity service up (to start
  // more backends that need it).
  static std::unique_ptr<GatewayFixture> Start(
      const std::function<void(GatewayConfig&)>& adjust = nullptr,
      const std::function<void(identity::IdentityConfig&)>& adjust_identity = nullptr,
      const std::function<void(identity::testing::IdentityFixture&, GatewayConfig&)>&
          with_identity = nullptr);
  ~GatewayFixture();

  // Another gateway on the same identity, Redis and backend (multi-instance tests).
  std::unique_ptr<GatewayApp> StartAnotherGateway(
      const std::function<void(GatewayConfig&)>& adjust = nullptr);

  int port() const { return gateway_->http_port(); }
  GatewayApp& gateway() { return *gateway_; }
  identity::testing::IdentityFixture& identity() { return *identity_; }
  const GatewayConfig& config() const { return config_; }
  TranscodingBackend& backend() { return *backend_; }

  // A socket on `port` authenticated with `token` in the subprotocol; null when refused.
  std::unique_ptr<WebSocketClient> Connect(const std::string& token, int port = 0);
  // Publishes an event with a notice on a Redis channel of the test Redis.
  void PublishNotice(const std::string& channel, const std::string& text,
                     const std::string& redis_uri = "");
  // The account id of a token's subject, from GET /v1/me.
  std::string UserIdOf(const std::string& token);

  ClientResponse Get(const std::string& target, const std::string& token = "");
  ClientResponse Send(const std::string& method, const std::string& target, const std::string& body,
                      const std::string& token = "");

  // Registers `email` and logs in over HTTP; the access token.
  std::string SignUp(const std::string& email);

 private:
  GatewayFixture() = default;
  std::unique_ptr<identity::testing::IdentityFixture> identity_;
  std::unique_ptr<TranscodingBackend> backend_;
  GatewayConfig config_;
  std::unique_ptr<GatewayApp> gateway_;
};

}  // namespace parta::gateway::testing

#define PARTA_GATEWAY_FIXTURE(var, ...)                                     \
  auto var = ::parta::gateway::testing::GatewayFixture::Start(__VA_ARGS__); \
  if (!var) return
