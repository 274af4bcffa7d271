#pragma once

// The whole system on one machine for e2e stories: the real identity, directory and messaging
// services, each with its own schema in the test PostgreSQL, on the test Redis, behind a real
// gateway spoken to over HTTP and WebSocket (services/gateway/tests/e2e/gateway_fixture.h).

#include <memory>
#include <string>

#include "libs/core/clock.h"
#include "libs/testing/fixtures.h"
#include "services/directory/directory_app.h"
#include "services/gateway/tests/e2e/gateway_fixture.h"
#include "services/messaging/messaging_app.h"

namespace parta::testing {

class SystemFixture {
 public:
  // nullptr when there is no test server.
  static std::unique_ptr<SystemFixture> Start();
  ~SystemFixture();

  gateway::testing::GatewayFixture& gateway() { return *gateway_; }

  // An HTTP call that must answer 200; its JSON.
  nlohmann::json Ok(const std::string& method, const std::string& target,
                    const nlohmann::json& body, const std::string& token);
  gateway::testing::ClientResponse Call(const std::string& method, const std::string& target,
                                        const nlohmann::json& body, const std::string& token);

  // A platform operator's access token (an account flagged as `create-operator` does).
  std::string SignUpOperator(const std::string& email);

 private:
  SystemFixture() = default;

  SystemClock clock_;
  std::unique_ptr<TestSchema> directory_schema_;
  std::unique_ptr<TestSchema> messaging_schema_;
  std::unique_ptr<directory::DirectoryApp> directory_;
  std::unique_ptr<messaging::MessagingApp> messaging_;
  std::unique_ptr<gateway::testing::GatewayFixture> gateway_;
};

}  // namespace parta::testing
