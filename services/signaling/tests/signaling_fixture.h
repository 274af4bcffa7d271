#pragma once

// A real signaling service beside a real messaging and directory (their fixtures), each with
// its own schema in the test PostgreSQL, on the test Redis, served on 127.0.0.1:0, with tokens
// signed by the directory fixture's test key. Events published for a person are caught from
// his Redis channel (an EventInbox), as the gateway would.

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>

#include "absl/synchronization/mutex.h"
#include "libs/redis/subscriber.h"
#include "libs/testing/janus_server.h"
#include "parta/events/v1/events.pb.h"
#include "parta/signaling/v1/signaling.grpc.pb.h"
#include "services/messaging/tests/messaging_fixture.h"
#include "services/signaling/signaling_app.h"

namespace parta::signaling::testing {

// The events published on one person's channel, in arrival order.
class EventInbox {
 public:
  EventInbox(const redis::Endpoint& endpoint, const std::string& user_id);
  ~EventInbox();

  // The first event not taken yet that `match` accepts (earlier ones that do not match stay);
  // fails the test after 10 s.
  events::v1::Event Take(const std::function<bool(const events::v1::Event&)>& match);
  // Whether an event `match` accepts is waiting now.
  bool Holds(const std::function<bool(const events::v1::Event&)>& match);

 private:
  absl::Mutex mu_;
  bool subscribed_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<events::v1::Event> events_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<redis::Subscriber> subscriber_;
};

class SignalingFixture {
 public:
  // nullptr when there is no test server. `adjust` changes the config before the start.
  static std::unique_ptr<SignalingFixture> Start(
      const std::function<void(SignalingConfig&)>& adjust = nullptr);
  // The same with `janus_servers` private Janus instances of its own as the SFU of calls.
  static std::unique_ptr<SignalingFixture> StartWithJanus(
      int janus_servers, const std::function<void(SignalingConfig&)>& adjust = nullptr);
  ~SignalingFixture();

  // Stops the signaling service and starts a new one with the same config (on another port), as
  // a restarted process.
  void RestartSignaling();

  // The fixture's Janus instances (StartWithJanus).
  parta::testing::PrivateJanus& janus(size_t i = 0) { return *janus_.at(i); }
  // Signaling's settings for `servers` (started with the same secrets, as a deployment's are).
  static JanusSettings JanusSettingsFor(
      const std::vector<std::unique_ptr<parta::testing::PrivateJanus>>& servers);

  messaging::testing::MessagingFixture& messaging() { return *messaging_; }
  directory::testing::DirectoryFixture& directory() { return messaging_->directory(); }
  v1::SignalingService::Stub& stub() { return *stub_; }
  const SignalingConfig& config() const { return config_; }
  FakeClock& clock() { return messaging_->clock(); }

  std::string Token(const std::string& user_id) const { return messaging_->Token(user_id); }
  // Polls `condition` every 20 ms for up to `limit`.
  static bool Eventually(const std::function<bool()>& condition,
                         absl::Duration limit = absl::Seconds(10)) {
    return messaging::testing::MessagingFixture::Eventually(condition, limit);
  }
  // A person's events from now on.
  std::unique_ptr<EventInbox> Listen(const std::string& user_id) const;

  template <typename Request, typename Response>
  ::grpc::Status Call(::grpc::Status (v1::SignalingService::Stub::*method)(::grpc::ClientContext*,
                                                                           const Request&,
                                                                           Response*),
                      const std::string& user_id, const Request& request, Response* response) {
    auto context = directory::testing::DirectoryFixture::Context(Token(user_id));
    return ((*stub_).*method)(context.get(), request, response);
  }

 private:
  SignalingFixture() = default;
  void StartApp();

  // Before the app: they outlive it.
  std::vector<std::unique_ptr<parta::testing::PrivateJanus>> janus_;
  std::unique_ptr<messaging::testing::MessagingFixture> messaging_;
  std::unique_ptr<parta::testing::TestSchema> schema_;
  SignalingConfig config_;
  std::unique_ptr<SignalingApp> app_;
  std::unique_ptr<v1::SignalingService::Stub> stub_;
};

}  // namespace parta::signaling::testing

#define PARTA_SIGNALING_FIXTURE(var, ...)                                       \
  auto var = ::parta::signaling::testing::SignalingFixture::Start(__VA_ARGS__); \
  if (!var) return
