#include "services/signaling/tests/signaling_fixture.h"

#include <catch2/catch.hpp>

#include <algorithm>

#include "libs/grpc/client.h"
#include "libs/testing/fixtures.h"
#include "libs/realtime/channels.h"

namespace parta::signaling::testing {

EventInbox::EventInbox(const redis::Endpoint& endpoint, const std::string& user_id) {
  subscriber_ = std::make_unique<redis::Subscriber>(
      endpoint, std::vector<std::string>{realtime::UserChannel(user_id)},
      redis::Subscriber::Callbacks{
          .on_message =
              [this](const std::string&, const std::string& message) {
                events::v1::Envelope envelope;
                if (!envelope.ParseFromString(message) || !envelope.has_event()) return;
                absl::MutexLock lock(&mu_);
                events_.push_back(envelope.event());
              },
          .on_subscribed =
              [this](bool) {
                absl::MutexLock lock(&mu_);
                subscribed_ = true;
              }});
  absl::MutexLock lock(&mu_);
  const bool subscribed =
      mu_.AwaitWithTimeout(absl::Condition(&subscribed_), absl::Seconds(10));
  REQUIRE(subscribed);
}

EventInbox::~EventInbox() { subscriber_->Stop(); }

events::v1::Event EventInbox::Take(const std::function<bool(const events::v1::Event&)>& match) {
  absl::MutexLock lock(&mu_);
  // A condition may be evaluated any number of times: it only looks.
  auto arrived = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return std::any_of(events_.begin(), events_.end(), match);
  };
  const bool taken = mu_.AwaitWithTimeout(absl::Condition(&arrived), absl::Seconds(10));
  std::string others;
  for (const events::v1::Event& event : events_) others += event.ShortDebugString() + "\n";
  INFO("no matching event within 10 s; others arrived:\n" << others);
  REQUIRE(taken);
  auto it = std::find_if(events_.begin(), events_.end(), match);
  events::v1::Event found = std::move(*it);
  events_.erase(it);
  return found;
}

bool EventInbox::Holds(const std::function<bool(const events::v1::Event&)>& match) {
  absl::MutexLock lock(&mu_);
  for (const events::v1::Event& event : events_) {
    if (match(event)) return true;
  }
  return false;
}

JanusSettings SignalingFixture::JanusSettingsFor(
    const std::vector<std::unique_ptr<parta::testing::PrivateJanus>>& servers) {
  JanusSettings settings;
  REQUIRE_FALSE(servers.empty());
  settings.api_secret = servers[0]->api_secret();
  settings.admin_secret = servers[0]->admin_secret();
  settings.admin_key = servers[0]->admin_key();
  for (const auto& server : servers) {
    settings.servers.push_back({.api_url = server->api_url(), .admin_url = server->admin_url()});
  }
  // A lost instance is tried again soon: tests that kill one wait less.
  settings.reconnect_interval = absl::Milliseconds(200);
  return settings;
}

std::unique_ptr<SignalingFixture> SignalingFixture::StartWithJanus(
    int janus_servers, const std::function<void(SignalingConfig&)>& adjust) {
  // Janus first: a fixture without test servers returns before any is started.
  if (!parta::testing::TestPostgresUri() || !parta::testing::TestRedisUri()) return nullptr;
  std::vector<std::unique_ptr<parta::testing::PrivateJanus>> servers;
  for (int i = 0; i < janus_servers; ++i) {
    servers.push_back(i == 0 ? std::make_unique<parta::testing::PrivateJanus>()
                             : std::make_unique<parta::testing::PrivateJanus>(
                                   servers[0]->secrets()));
  }
  const JanusSettings settings = JanusSettingsFor(servers);
  std::unique_ptr<SignalingFixture> fixture = Start([&](SignalingConfig& config) {
    config.janus = settings;
    if (adjust) adjust(config);
  });
  if (fixture) fixture->janus_ = std::move(servers);
  return fixture;
}

std::unique_ptr<SignalingFixture> SignalingFixture::Start(
    const std::function<void(SignalingConfig&)>& adjust) {
  auto messaging = messaging::testing::MessagingFixture::Start();
  if (!messaging) return nullptr;
  auto schema = parta::testing::TestSchema::Create();
  if (!schema) return nullptr;
  std::unique_ptr<SignalingFixture> fixture(new SignalingFixture());
  SignalingConfig& config = fixture->config_;
  config.pg_uri = schema->uri();
  config.pg_pool_size = 6;
  config.redis_uri = messaging->config().redis_uri;
  config.messaging_address = "127.0.0.1:" + std::to_string(messaging->port());
  config.directory_address = "127.0.0.1:" + std::to_string(messaging->directory().app().grpc_port());
  config.identity_address = "127.0.0.1:1";  // keys and service tokens come from the fixture
  config.grpc_listen = "127.0.0.1:0";
  config.metrics_listen.clear();
  config.migrations_dir = DefaultMigrationsDir();
  config.worker_threads = 4;
  config.revocation_cache_ttl = absl::ZeroDuration();
  config.sweep_interval = absl::Milliseconds(50);
  // Tests share the test Redis, each with a clock of its own.
  config.heartbeats_key = "parta:calls:heartbeats:" + schema->name();
  if (adjust) adjust(config);
  absl::Status migrated = MigrateSignaling(config.pg_uri, config.migrations_dir);
  INFO(migrated.ToString());
  REQUIRE(migrated.ok());
  fixture->schema_ = std::move(schema);
  fixture->messaging_ = std::move(messaging);
  fixture->StartApp();
  return fixture;
}

void SignalingFixture::StartApp() {
  directory::testing::DirectoryFixture* directory = &messaging_->directory();
  absl::StatusOr<std::unique_ptr<SignalingApp>> app = SignalingApp::Start(
      config_, messaging_->clock(), directory->tokens().KeySource(),
      [directory]() -> absl::StatusOr<std::string> { return directory->ServiceToken(); });
  INFO(app.status().ToString());
  REQUIRE(app.ok());
  app_ = *std::move(app);
  stub_ = v1::SignalingService::NewStub(
      grpc::MakeChannel("127.0.0.1:" + std::to_string(app_->grpc_port())));
}

void SignalingFixture::RestartSignaling() {
  app_->Shutdown(absl::ZeroDuration());
  app_.reset();
  StartApp();
}

SignalingFixture::~SignalingFixture() {
  if (app_) app_->Shutdown(absl::ZeroDuration());
}

std::unique_ptr<EventInbox> SignalingFixture::Listen(const std::string& user_id) const {
  absl::StatusOr<redis::Endpoint> endpoint = redis::Endpoint::Parse(config_.redis_uri);
  REQUIRE(endpoint.ok());
  return std::make_unique<EventInbox>(*endpoint, user_id);
}

}  // namespace parta::signaling::testing
