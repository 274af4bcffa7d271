#include "tests/e2e/system_fixture.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace parta::testing {

using nlohmann::json;

std::unique_ptr<SystemFixture> SystemFixture::Start(
    const std::function<void(signaling::SignalingConfig&)>& adjust_signaling,
    const std::function<void(identity::IdentityConfig&)>& adjust_identity) {
  std::unique_ptr<SystemFixture> system(new SystemFixture());
  system->directory_schema_ = TestSchema::Create();
  system->messaging_schema_ = TestSchema::Create();
  system->signaling_schema_ = TestSchema::Create();
  system->content_schema_ = TestSchema::Create();
  if (!system->directory_schema_ || !system->messaging_schema_ || !system->signaling_schema_ ||
      !system->content_schema_) {
    return nullptr;
  }
  system->clamd_ = std::make_unique<PrivateClamd>();
  system->content_folder_ = (std::filesystem::temp_directory_path() /
                             ("parta-content-" + system->content_schema_->name()))
                                .string();
  SystemFixture* s = system.get();
  system->gateway_ = gateway::testing::GatewayFixture::Start(
      [s](gateway::GatewayConfig& config) {
        // One machine: the gateway reads content's blob folder for downloads.
        config.content_store_dir = s->content_folder_;
        config.events.subscription_backends = {"messaging"};
        config.events.signal_backend = "messaging";
        for (const char* name : {"call.html", "call.js"}) {
          std::ifstream file(absl::StrCat(PARTA_DEMO_DIR, "/", name));
          std::stringstream content;
          content << file.rdbuf();
          config.rest.demo_files[name] = content.str();
        }
      },
      adjust_identity,
      [s, &adjust_signaling](identity::testing::IdentityFixture& identity,
                             gateway::GatewayConfig& config) {
        const std::string events_key = "parta:events:directory:" + s->directory_schema_->name();
        identity::testing::IdentityFixture::ServiceClient client =
            identity.CreateServiceClient("directory");
        directory::DirectoryConfig directory;
        directory.pg_uri = s->directory_schema_->uri();
        directory.redis_uri = config.redis_uri;
        directory.identity_address = config.backends["identity"];
        directory.identity_client_id = client.id;
        directory.identity_client_secret = client.secret;
        directory.events_key = events_key;
        directory.identity_events_key = identity.config().events_key;
        directory.grpc_listen = "127.0.0.1:0";
        directory.metrics_listen.clear();
        directory.trusted_proxies = {"127.0.0.1"};
        directory.worker_threads = 4;
        REQUIRE(
            directory::MigrateDirectory(directory.pg_uri, directory::DefaultMigrationsDir()).ok());
        absl::StatusOr<std::unique_ptr<directory::DirectoryApp>> directory_app =
            directory::DirectoryApp::Start(directory, s->clock_);
        INFO(directory_app.status().ToString());
        REQUIRE(directory_app.ok());
        s->directory_ = *std::move(directory_app);
        config.backends["directory"] = absl::StrCat("127.0.0.1:", s->directory_->grpc_port());

        // Content before messaging (which checks attachments with it); content asks messaging
        // for chats' access only once it serves.
        identity::testing::IdentityFixture::ServiceClient content_client =
            identity.CreateServiceClient("content");
        content::ContentConfig content;
        content.identity_client_id = content_client.id;
        content.identity_client_secret = content_client.secret;
        content.identity_events_key = identity.config().events_key;
        content.pg_uri = s->content_schema_->uri();
        content.redis_uri = config.redis_uri;
        content.identity_address = config.backends["identity"];
        content.directory_address = config.backends["directory"];
        content.grpc_listen = "127.0.0.1:0";
        content.metrics_listen.clear();
        content.trusted_proxies = {"127.0.0.1"};
        content.worker_threads = 4;
        content.store_root = s->content_folder_;
        content.signing_key = absl::StrCat("e2e-signing-key-", s->content_schema_->name(),
                                           "-0123456789abcdef");
        content.content.scanning = true;
        content.clamd_address = s->clamd_->address();
        content.scan_interval = absl::Milliseconds(200);
        REQUIRE(content::MigrateContent(content.pg_uri, content::DefaultMigrationsDir()).ok());
        absl::StatusOr<std::unique_ptr<content::ContentApp>> content_app =
            content::ContentApp::Start(content, s->clock_, nullptr, [s] {
              return absl::StrCat("127.0.0.1:", s->messaging_->grpc_port());
            });
        INFO(content_app.status().ToString());
        REQUIRE(content_app.ok());
        s->content_ = *std::move(content_app);
        config.backends["content"] = absl::StrCat("127.0.0.1:", s->content_->grpc_port());

        identity::testing::IdentityFixture::ServiceClient messaging_client =
            identity.CreateServiceClient("messaging");
        messaging::MessagingConfig messaging;
        messaging.pg_uri = s->messaging_schema_->uri();
        messaging.redis_uri = config.redis_uri;
        messaging.identity_address = config.backends["identity"];
        messaging.identity_client_id = messaging_client.id;
        messaging.identity_client_secret = messaging_client.secret;
        messaging.directory_address = config.backends["directory"];
        messaging.directory_events_key = events_key;
        messaging.identity_events_key = identity.config().events_key;
        messaging.content_address = config.backends["content"];
        messaging.grpc_listen = "127.0.0.1:0";
        messaging.metrics_listen.clear();
        messaging.trusted_proxies = {"127.0.0.1"};
        messaging.worker_threads = 4;
        REQUIRE(
            messaging::MigrateMessaging(messaging.pg_uri, messaging::DefaultMigrationsDir()).ok());
        absl::StatusOr<std::unique_ptr<messaging::MessagingApp>> messaging_app =
            messaging::MessagingApp::Start(messaging, s->clock_);
        INFO(messaging_app.status().ToString());
        REQUIRE(messaging_app.ok());
        s->messaging_ = *std::move(messaging_app);
        config.backends["messaging"] = absl::StrCat("127.0.0.1:", s->messaging_->grpc_port());

        identity::testing::IdentityFixture::ServiceClient signaling_client =
            identity.CreateServiceClient("signaling");
        signaling::SignalingConfig signaling;
        signaling.pg_uri = s->signaling_schema_->uri();
        signaling.redis_uri = config.redis_uri;
        signaling.identity_address = config.backends["identity"];
        signaling.identity_client_id = signaling_client.id;
        signaling.identity_client_secret = signaling_client.secret;
        signaling.messaging_address = config.backends["messaging"];
        signaling.directory_address = config.backends["directory"];
        signaling.grpc_listen = "127.0.0.1:0";
        signaling.metrics_listen.clear();
        signaling.trusted_proxies = {"127.0.0.1"};
        signaling.worker_threads = 4;
        signaling.heartbeats_key = "parta:calls:heartbeats:" + s->signaling_schema_->name();
        if (adjust_signaling) adjust_signaling(signaling);
        REQUIRE(
            signaling::MigrateSignaling(signaling.pg_uri, signaling::DefaultMigrationsDir()).ok());
        absl::StatusOr<std::unique_ptr<signaling::SignalingApp>> signaling_app =
            signaling::SignalingApp::Start(signaling, s->clock_);
        INFO(signaling_app.status().ToString());
        REQUIRE(signaling_app.ok());
        s->signaling_ = *std::move(signaling_app);
        config.backends["signaling"] = absl::StrCat("127.0.0.1:", s->signaling_->grpc_port());
      });
  if (!system->gateway_) return nullptr;
  return system;
}

SystemFixture::~SystemFixture() {
  gateway_.reset();
  if (signaling_) signaling_->Shutdown(absl::ZeroDuration());
  if (content_) content_->Shutdown(absl::ZeroDuration());
  if (messaging_) messaging_->Shutdown(absl::ZeroDuration());
  if (directory_) directory_->Shutdown(absl::ZeroDuration());
  if (!content_folder_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(content_folder_, ignored);
  }
}

json SystemFixture::Ok(const std::string& method, const std::string& target, const json& body,
                       const std::string& token) {
  gateway::testing::ClientResponse response = Call(method, target, body, token);
  INFO(method << " " << target << " → " << response.status << " " << response.body);
  REQUIRE(response.status == 200);
  return response.json();
}

gateway::testing::ClientResponse SystemFixture::Call(const std::string& method,
                                                     const std::string& target, const json& body,
                                                     const std::string& token) {
  return gateway_->Send(method, target, body.is_null() ? "" : body.dump(), token);
}

std::string SystemFixture::SignUpOperator(const std::string& email) {
  gateway_->SignUp(email);
  REQUIRE(gateway_->identity()
              .pool()
              .Transact([&](pqxx::work& tx) {
                tx.exec_params("UPDATE accounts SET is_operator = true WHERE email = $1", email);
                return absl::OkStatus();
              })
              .ok());
  json login = {{"login", email}, {"password", identity::testing::kPassword}, {"device", "e2e"}};
  return Ok("POST", "/v1/sessions:login", login, "")["accessToken"];
}

std::string SystemFixture::Join(const std::string& school_id, const std::string& email,
                                const json& invitation, const std::string& inviter) {
  std::string token = gateway_->SignUp(email);
  json invite = Ok("POST", "/v1/schools/" + school_id + "/invitations", invitation, inviter);
  Ok("POST", "/v1/invitations:redeem", {{"code", invite["code"]}}, token);
  return token;
}

std::optional<json> SystemFixture::FindChat(const std::string& token, const std::string& kind,
                                            const std::string& class_id) {
  json chats = Ok("GET", "/v1/chats", nullptr, token);
  for (const json& chat : chats["chats"]) {
    if (chat["kind"] == kind && chat.value("classId", "") == class_id) return chat;
  }
  return std::nullopt;
}

bool SystemFixture::Eventually(const std::function<bool()>& condition, absl::Duration limit) {
  const absl::Time deadline = absl::Now() + limit;
  while (!condition()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return true;
}

json SystemFixture::WaitForChat(const std::string& token, const std::string& kind,
                                const std::string& class_id) {
  std::optional<json> chat;
  Eventually([&] { return (chat = FindChat(token, kind, class_id)).has_value(); });
  INFO("no " << kind << " chat appeared in time");
  REQUIRE(chat.has_value());
  return *chat;
}

}  // namespace parta::testing
