#pragma once

// The whole system on one machine for e2e stories: the real identity, directory, messaging,
// signaling and content services (content with a private clamd and a blob folder of its own),
// each with its own schema in the test PostgreSQL, on the test Redis, behind a real gateway
// spoken to over HTTP and WebSocket (services/gateway/tests/e2e/gateway_fixture.h).

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "libs/core/clock.h"
#include "libs/testing/clamav_server.h"
#include "libs/testing/fixtures.h"
#include "services/content/content_app.h"
#include "services/directory/directory_app.h"
#include "services/gateway/tests/e2e/gateway_fixture.h"
#include "services/messaging/messaging_app.h"
#include "services/signaling/signaling_app.h"

namespace parta::testing {

class SystemFixture {
 public:
  // nullptr when there is no test server. `adjust_signaling` changes signaling's config (ICE
  // servers, media servers) before it starts, `adjust_identity` identity's (ESIA).
  static std::unique_ptr<SystemFixture> Start(
      const std::function<void(signaling::SignalingConfig&)>& adjust_signaling = nullptr,
      const std::function<void(identity::IdentityConfig&)>& adjust_identity = nullptr);
  ~SystemFixture();

  gateway::testing::GatewayFixture& gateway() { return *gateway_; }
  // Content's database, for checks no API answers (what is left of an erased person).
  const TestSchema& content_schema() const { return *content_schema_; }

  // An HTTP call that must answer 200; its JSON.
  nlohmann::json Ok(const std::string& method, const std::string& target,
                    const nlohmann::json& body, const std::string& token);
  gateway::testing::ClientResponse Call(const std::string& method, const std::string& target,
                                        const nlohmann::json& body, const std::string& token);

  // A platform operator's access token (an account flagged as `create-operator` does).
  std::string SignUpOperator(const std::string& email);

  // A new account that joins `school_id` by redeeming an invitation `inviter` makes with
  // `invitation` (the body of CreateInvitation); its access token.
  std::string Join(const std::string& school_id, const std::string& email,
                   const nlohmann::json& invitation, const std::string& inviter);

  // Polls `condition` every 50 ms until it holds; false after `limit`.
  static bool Eventually(const std::function<bool()>& condition,
                         absl::Duration limit = absl::Seconds(10));
  // The first chat of `kind` (of `class_id`; "" for a school's chats) in the caller's list.
  std::optional<nlohmann::json> FindChat(const std::string& token, const std::string& kind,
                                         const std::string& class_id);
  // The same, polled for up to 10 s: roster chats are made from the directory's events.
  nlohmann::json WaitForChat(const std::string& token, const std::string& kind,
                             const std::string& class_id);

 private:
  SystemFixture() = default;

  SystemClock clock_;
  std::unique_ptr<TestSchema> directory_schema_;
  std::unique_ptr<TestSchema> messaging_schema_;
  std::unique_ptr<TestSchema> signaling_schema_;
  std::unique_ptr<TestSchema> content_schema_;
  std::unique_ptr<PrivateClamd> clamd_;
  std::string content_folder_;
  std::unique_ptr<directory::DirectoryApp> directory_;
  std::unique_ptr<messaging::MessagingApp> messaging_;
  std::unique_ptr<signaling::SignalingApp> signaling_;
  std::unique_ptr<content::ContentApp> content_;
  std::unique_ptr<gateway::testing::GatewayFixture> gateway_;
};

}  // namespace parta::testing
