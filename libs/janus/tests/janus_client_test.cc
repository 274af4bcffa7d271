#include <catch2/catch.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "libs/core/random.h"
#include "libs/janus/admin.h"
#include "libs/janus/errors.h"
#include "libs/janus/session.h"
#include "libs/testing/janus_server.h"
#include "libs/testing/status_matchers.h"

namespace parta::janus {
namespace {

using nlohmann::json;

// A generous bound for events that should come at once.
constexpr absl::Duration kEventWait = absl::Seconds(15);

// Everything a session's callbacks hear, for tests to wait on.
class Recorder {
 public:
  SessionCallbacks Callbacks() {
    return {.on_event =
                [this](Event event) {
                  absl::MutexLock lock(&mu_);
                  events_.push_back(std::move(event));
                },
            .on_lost =
                [this](absl::Status status) {
                  absl::MutexLock lock(&mu_);
                  lost_.push_back(std::move(status));
                }};
  }

  // The first event so far or within kEventWait that matches `match`.
  std::optional<Event> WaitFor(const std::function<bool(const Event&)>& match) {
    absl::MutexLock lock(&mu_);
    std::optional<Event> found;
    auto seen = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      for (const Event& event : events_) {
        if (match(event)) {
          found = event;
          return true;
        }
      }
      return false;
    };
    mu_.AwaitWithTimeout(absl::Condition(&seen), kEventWait);
    return found;
  }

  // The status given to on_lost, waiting up to kEventWait for it.
  std::optional<absl::Status> WaitForLost() {
    absl::MutexLock lock(&mu_);
    auto any = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !lost_.empty(); };
    mu_.AwaitWithTimeout(absl::Condition(&any), kEventWait);
    if (lost_.empty()) return std::nullopt;
    return lost_.front();
  }

  size_t lost_calls() {
    absl::MutexLock lock(&mu_);
    return lost_.size();
  }

 private:
  absl::Mutex mu_;
  std::vector<Event> events_ ABSL_GUARDED_BY(mu_);
  std::vector<absl::Status> lost_ ABSL_GUARDED_BY(mu_);
};

// A VideoRoom event from `handle` whose data has `key`.
std::function<bool(const Event&)> RoomEvent(uint64_t handle, const std::string& key) {
  return [handle, key](const Event& event) {
    return event.handle_id == handle && event.janus == "event" && event.data.contains(key);
  };
}

SessionOptions SessionOptionsFor(const testing::PrivateJanus& server) {
  return {.url = server.api_url(), .api_secret = server.api_secret()};
}

std::unique_ptr<JanusAdmin> AdminFor(const testing::PrivateJanus& server) {
  auto admin = JanusAdmin::Create({.url = server.admin_url(),
                                   .admin_secret = server.admin_secret(),
                                   .admin_key = server.admin_key()});
  REQUIRE_OK(admin);
  return std::move(*admin);
}

// A room protected by a secret and a pin, joinable with the given tokens.
RoomOptions Room(std::vector<std::string> allowed) {
  return {.description = "test room",
          .secret = absl::BytesToHexString(RandomBytes(12)),
          .pin = "4321",
          .publishers = 5,
          .allowed = std::move(allowed)};
}

json JoinAsPublisher(uint64_t room, uint64_t id, const std::string& token,
                     const std::string& pin = "4321") {
  return {{"request", "join"},
          {"ptype", "publisher"},
          {"room", room},
          {"id", id},
          {"display", absl::StrCat("user ", id)},
          {"pin", pin},
          {"token", token}};
}

// A browser-shaped offer Janus negotiates (libs/testing/janus_server.h).
json HandMadeOffer() { return {{"type", "offer"}, {"sdp", parta::testing::HandMadeSdpOffer()}}; }

TEST_CASE("A session attaches and detaches VideoRoom handles", "[janus][integration]") {
  testing::PrivateJanus server;
  Recorder recorder;
  auto session = JanusSession::Create(SessionOptionsFor(server), recorder.Callbacks());
  REQUIRE_OK(session);
  CHECK((*session)->id() != 0);

  auto handle = (*session)->Attach(kVideoRoomPlugin, "parta-test");
  REQUIRE_OK(handle);
  REQUIRE_OK((*session)->Detach(*handle));
  auto detached = recorder.WaitFor(
      [&](const Event& event) { return event.janus == "detached" && event.handle_id == *handle; });
  CHECK(detached.has_value());
  CHECK_STATUS((*session)->Detach(*handle), kNotFound, kHandleNotFound);
  CHECK_STATUS((*session)->Attach("janus.plugin.nonexistent", ""), kNotFound, kPluginNotFound);

  REQUIRE_OK((*session)->Destroy());
  CHECK(recorder.lost_calls() == 0);
}

TEST_CASE("A session with a wrong API secret is refused", "[janus][integration]") {
  testing::PrivateJanus server;
  Recorder recorder;
  SessionOptions options = SessionOptionsFor(server);
  options.api_secret = "not-the-secret";
  CHECK_STATUS(JanusSession::Create(options, recorder.Callbacks()), kInternal, kUnauthorized);
  options.url = "https://127.0.0.1:1/janus";
  CHECK_STATUS(JanusSession::Create(options, recorder.Callbacks()), kInvalidArgument, kBadUrl);
}

TEST_CASE("Many threads share one session", "[janus][integration]") {
  testing::PrivateJanus server;
  Recorder recorder;
  auto session = JanusSession::Create(SessionOptionsFor(server), recorder.Callbacks());
  REQUIRE_OK(session);
  JanusSession& shared = **session;
  absl::Mutex mu;
  std::vector<absl::Status> failures;
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) {
        absl::Status status = [&]() -> absl::Status {
          ASSIGN_OR_RETURN(uint64_t handle, shared.Attach(kVideoRoomPlugin, ""));
          RETURN_IF_ERROR(shared.Message(handle, {{"request", "exists"}, {"room", 1}}).status());
          return shared.Detach(handle);
        }();
        if (!status.ok()) {
          absl::MutexLock lock(&mu);
          failures.push_back(status);
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const absl::Status& failure : failures) INFO(failure.ToString());
  CHECK(failures.empty());
}

TEST_CASE("A publisher joins a private room only with an allowed token and the pin",
          "[janus][integration]") {
  testing::PrivateJanus server;
  auto admin = AdminFor(server);
  auto room = admin->CreateRoom(Room({"token-anna", "token-boris"}));
  REQUIRE_OK(room);
  auto exists = admin->RoomExists(*room);
  REQUIRE_OK(exists);
  CHECK(*exists);

  Recorder recorder;
  auto session = JanusSession::Create(SessionOptionsFor(server), recorder.Callbacks());
  REQUIRE_OK(session);
  auto anna = (*session)->Attach(kVideoRoomPlugin, "");
  auto intruder = (*session)->Attach(kVideoRoomPlugin, "");
  REQUIRE_OK(anna);
  REQUIRE_OK(intruder);

  auto joined = (*session)->MessageAndWait(*anna, JoinAsPublisher(*room, 101, "token-anna"),
                                           std::nullopt, kEventWait);
  REQUIRE_OK(joined);
  CHECK(joined->data.value("videoroom", "") == "joined");
  CHECK(joined->data.value("id", uint64_t{0}) == 101);
  CHECK(joined->data.contains("private_id"));

  CHECK_STATUS((*session)->MessageAndWait(*intruder, JoinAsPublisher(*room, 102, "token-eve"),
                                          std::nullopt, kEventWait),
               kPermissionDenied, kRoomUnauthorized);
  CHECK_STATUS(
      (*session)->MessageAndWait(*intruder, JoinAsPublisher(*room, 102, "token-boris", "0000"),
                                 std::nullopt, kEventWait),
      kPermissionDenied, kRoomUnauthorized);
  CHECK_STATUS((*session)->MessageAndWait(*intruder, JoinAsPublisher(*room, 101, "token-boris"),
                                          std::nullopt, kEventWait),
               kAlreadyExists, kParticipantExists);
  CHECK_STATUS((*session)->MessageAndWait(*intruder, JoinAsPublisher(*room + 1, 102, "token-boris"),
                                          std::nullopt, kEventWait),
               kNotFound, kRoomNotFound);

  auto participants = admin->ListParticipants(*room);
  REQUIRE_OK(participants);
  REQUIRE(participants->size() == 1);
  CHECK((*participants)[0].id == 101);
  CHECK((*participants)[0].display == "user 101");
  CHECK_FALSE((*participants)[0].publisher);

  auto load = admin->Load();
  REQUIRE_OK(load);
  CHECK(load->sessions == 1);
  CHECK(load->rooms == 1);
  CHECK(load->participants == 1);
  REQUIRE_OK((*session)->Destroy());
}

TEST_CASE("Room management needs the room secret and a free room id", "[janus][integration]") {
  testing::PrivateJanus server;
  auto admin = AdminFor(server);
  REQUIRE_OK(admin->Ping());
  RoomOptions options = Room({"token-1"});
  options.room = 4242;
  auto room = admin->CreateRoom(options);
  REQUIRE_OK(room);
  CHECK(*room == 4242);
  CHECK_STATUS(admin->CreateRoom(options), kAlreadyExists, kRoomExists);

  CHECK_STATUS(admin->Kick(*room, "wrong secret", 1), kPermissionDenied, kRoomUnauthorized);
  CHECK_STATUS(admin->DestroyRoom(*room, "wrong secret"), kPermissionDenied, kRoomUnauthorized);
  CHECK_STATUS(admin->AllowTokens(*room, "wrong secret", {"token-2"}), kPermissionDenied,
               kRoomUnauthorized);
  auto allowed = admin->AllowTokens(*room, options.secret, {"token-2"});
  REQUIRE_OK(allowed);
  CHECK_THAT(*allowed,
             Catch::Matchers::UnorderedEquals(std::vector<std::string>{"token-1", "token-2"}));
  allowed = admin->DisallowTokens(*room, options.secret, {"token-1"});
  REQUIRE_OK(allowed);
  CHECK(*allowed == std::vector<std::string>{"token-2"});
  CHECK_STATUS(admin->ListParticipants(*room + 1), kNotFound, kRoomNotFound);

  REQUIRE_OK(admin->DestroyRoom(*room, options.secret));
  auto exists = admin->RoomExists(*room);
  REQUIRE_OK(exists);
  CHECK_FALSE(*exists);

  auto wrong = JanusAdmin::Create(
      {.url = server.admin_url(), .admin_secret = "wrong", .admin_key = server.admin_key()});
  REQUIRE_OK(wrong);
  CHECK_STATUS((*wrong)->Load(), kInternal, kUnauthorized);
  auto wrong_key = JanusAdmin::Create(
      {.url = server.admin_url(), .admin_secret = server.admin_secret(), .admin_key = "wrong"});
  REQUIRE_OK(wrong_key);
  CHECK_STATUS((*wrong_key)->CreateRoom(Room({})), kPermissionDenied, kRoomUnauthorized);
}

TEST_CASE("A host mutes a publisher at the SFU, then removes him, then ends the room",
          "[janus][integration]") {
  testing::PrivateJanus server;
  auto admin = AdminFor(server);
  RoomOptions options = Room({"token-pupil", "token-teacher"});
  auto room = admin->CreateRoom(options);
  REQUIRE_OK(room);
  Recorder recorder;
  auto session = JanusSession::Create(SessionOptionsFor(server), recorder.Callbacks());
  REQUIRE_OK(session);
  JanusSession& janus = **session;
  auto pupil = janus.Attach(kVideoRoomPlugin, "");
  auto teacher = janus.Attach(kVideoRoomPlugin, "");
  REQUIRE_OK(pupil);
  REQUIRE_OK(teacher);
  REQUIRE_OK(janus.MessageAndWait(*teacher, JoinAsPublisher(*room, 1, "token-teacher"),
                                  std::nullopt, kEventWait));
  REQUIRE_OK(janus.MessageAndWait(*pupil, JoinAsPublisher(*room, 2, "token-pupil"), std::nullopt,
                                  kEventWait));
  CHECK(recorder.WaitFor(RoomEvent(*teacher, "joining")).has_value());

  auto published = janus.MessageAndWait(
      *pupil, {{"request", "publish"}, {"audiocodec", "opus"}, {"videocodec", "vp8"}},
      HandMadeOffer(), kEventWait);
  REQUIRE_OK(published);
  CHECK(published->data.value("configured", "") == "ok");
  REQUIRE(published->jsep.has_value());
  CHECK(published->jsep->value("type", "") == "answer");
  REQUIRE_OK(janus.Trickle(*pupil, {.sdp_mid = "0",
                                    .sdp_mline_index = 0,
                                    .candidate = "candidate:1 1 udp 2122260223 127.0.0.1 50000 "
                                                 "typ host"}));
  REQUIRE_OK(janus.TrickleCompleted(*pupil));

  REQUIRE_OK(admin->Moderate(*room, options.secret, 2, "0", /*mute=*/true));
  auto moderation = recorder.WaitFor(RoomEvent(*pupil, "moderation"));
  REQUIRE(moderation.has_value());
  CHECK(moderation->data.value("moderation", "") == "muted");
  CHECK(moderation->data.value("mid", "") == "0");
  CHECK_STATUS(admin->Moderate(*room, options.secret, 2, "7", true), kNotFound, kFeedNotFound);
  CHECK_STATUS(admin->Moderate(*room, "wrong", 2, "0", false), kPermissionDenied,
               kRoomUnauthorized);

  REQUIRE_OK(admin->DisallowTokens(*room, options.secret, {"token-pupil"}));
  REQUIRE_OK(admin->Kick(*room, options.secret, 2));
  auto leaving = recorder.WaitFor(RoomEvent(*pupil, "leaving"));
  REQUIRE(leaving.has_value());
  CHECK(leaving->data.value("reason", "") == "kicked");
  CHECK(recorder.WaitFor(RoomEvent(*teacher, "kicked")).has_value());
  // A kicked handle is done for (error 425, "create a new handle"); a new one meets the ban.
  CHECK_STATUS(janus.MessageAndWait(*pupil, JoinAsPublisher(*room, 2, "token-pupil"), std::nullopt,
                                    kEventWait),
               kFailedPrecondition, kWrongState);
  auto again = janus.Attach(kVideoRoomPlugin, "");
  REQUIRE_OK(again);
  CHECK_STATUS(janus.MessageAndWait(*again, JoinAsPublisher(*room, 2, "token-pupil"), std::nullopt,
                                    kEventWait),
               kPermissionDenied, kRoomUnauthorized);

  REQUIRE_OK(admin->DestroyRoom(*room, options.secret));
  auto destroyed = recorder.WaitFor([&](const Event& event) {
    return event.handle_id == *teacher && event.data.value("videoroom", "") == "destroyed";
  });
  CHECK(destroyed.has_value());
  REQUIRE_OK(janus.Destroy());
}

TEST_CASE("A malformed jsep or a request out of order gets a clean error", "[janus][integration]") {
  testing::PrivateJanus server;
  auto admin = AdminFor(server);
  auto room = admin->CreateRoom(Room({"token"}));
  REQUIRE_OK(room);
  Recorder recorder;
  auto session = JanusSession::Create(SessionOptionsFor(server), recorder.Callbacks());
  REQUIRE_OK(session);
  auto handle = (*session)->Attach(kVideoRoomPlugin, "");
  REQUIRE_OK(handle);

  const json publish = {{"request", "publish"}};
  CHECK_STATUS((*session)->MessageAndWait(*handle, publish, std::nullopt, kEventWait),
               kFailedPrecondition, kWrongState);
  REQUIRE_OK((*session)->MessageAndWait(*handle, JoinAsPublisher(*room, 7, "token"), std::nullopt,
                                        kEventWait));
  CHECK_STATUS((*session)->MessageAndWait(
                   *handle, publish, json{{"type", "offer"}, {"sdp", "not an sdp"}}, kEventWait),
               kInvalidArgument, kInvalidJsep);
  CHECK_STATUS((*session)->MessageAndWait(*handle, publish, json{{"type", "offer"}}, kEventWait),
               kInvalidArgument, kInvalidJsep);
  CHECK_STATUS((*session)->MessageAndWait(*handle, publish,
                                          json{{"type", "bogus"}, {"sdp", "v=0\r\n"}}, kEventWait),
               kInvalidArgument, kInvalidJsep);
  CHECK_STATUS((*session)->MessageAndWait(*handle, json{{"request", "no-such-request"}},
                                          std::nullopt, kEventWait),
               kInvalidArgument, kInvalidRequest);
  // Janus's core refuses those offers before it looks at them: the handle still works.
  auto published = (*session)->MessageAndWait(*handle, publish, HandMadeOffer(), kEventWait);
  REQUIRE_OK(published);
  CHECK(published->jsep.has_value());
  REQUIRE_OK((*session)->Destroy());
}

// Janus behaviour the signaling service must work around: send an offer only with a request the
// plugin will accept (publish after joined), or start over with a new handle.
TEST_CASE("An offer refused by the VideoRoom leaves the handle unable to take another",
          "[janus][integration]") {
  testing::PrivateJanus server;
  auto admin = AdminFor(server);
  auto room = admin->CreateRoom(Room({"token"}));
  REQUIRE_OK(room);
  Recorder recorder;
  auto session = JanusSession::Create(SessionOptionsFor(server), recorder.Callbacks());
  REQUIRE_OK(session);
  auto handle = (*session)->Attach(kVideoRoomPlugin, "");
  REQUIRE_OK(handle);
  const json publish = {{"request", "publish"}};
  CHECK_STATUS((*session)->MessageAndWait(*handle, publish, HandMadeOffer(), kEventWait),
               kFailedPrecondition, kWrongState);
  REQUIRE_OK((*session)->MessageAndWait(*handle, JoinAsPublisher(*room, 7, "token"), std::nullopt,
                                        kEventWait));
  CHECK_STATUS((*session)->MessageAndWait(*handle, publish, HandMadeOffer(), kEventWait), kInternal,
               kJanusError);
  REQUIRE_OK((*session)->Destroy());
}

TEST_CASE("A session is resumed by its id while Janus has it, and an unknown id is refused",
          "[janus][integration]") {
  testing::PrivateJanus server;
  auto admin = AdminFor(server);
  auto room = admin->CreateRoom(Room({"token"}));
  REQUIRE_OK(room);
  uint64_t session_id = 0;
  uint64_t handle = 0;
  {
    Recorder first;
    auto session = JanusSession::Create(SessionOptionsFor(server), first.Callbacks());
    REQUIRE_OK(session);
    session_id = (*session)->id();
    auto attached = (*session)->Attach(kVideoRoomPlugin, "");
    REQUIRE_OK(attached);
    handle = *attached;
    REQUIRE_OK((*session)->MessageAndWait(handle, JoinAsPublisher(*room, 9, "token"), std::nullopt,
                                          kEventWait));
    // The process "restarts": polling stops, the session stays on Janus.
  }

  Recorder second;
  auto resumed = JanusSession::Resume(SessionOptionsFor(server), session_id, second.Callbacks());
  REQUIRE_OK(resumed);
  CHECK((*resumed)->id() == session_id);
  // The old handle still belongs to the participant: he can publish through the new process.
  auto published =
      (*resumed)->MessageAndWait(handle, {{"request", "publish"}}, HandMadeOffer(), kEventWait);
  REQUIRE_OK(published);
  CHECK(published->data.value("configured", "") == "ok");
  auto participants = admin->ListParticipants(*room);
  REQUIRE_OK(participants);
  REQUIRE(participants->size() == 1);
  CHECK((*participants)[0].id == 9);

  Recorder third;
  CHECK_STATUS(JanusSession::Resume(SessionOptionsFor(server), session_id + 1, third.Callbacks()),
               kNotFound, kSessionNotFound);
  REQUIRE_OK((*resumed)->Destroy());
  CHECK_STATUS(JanusSession::Resume(SessionOptionsFor(server), session_id, third.Callbacks()),
               kNotFound, kSessionNotFound);
}

TEST_CASE("The owner hears that the session is lost when Janus dies", "[janus][integration]") {
  testing::PrivateJanus server;
  auto admin = AdminFor(server);
  Recorder recorder;
  auto session = JanusSession::Create(SessionOptionsFor(server), recorder.Callbacks());
  REQUIRE_OK(session);
  auto handle = (*session)->Attach(kVideoRoomPlugin, "");
  REQUIRE_OK(handle);

  server.Kill();
  std::optional<absl::Status> lost = recorder.WaitForLost();
  REQUIRE(lost.has_value());
  CHECK(lost->code() == absl::StatusCode::kUnavailable);
  CHECK(ReasonOf(*lost) == kUnavailable);
  CHECK((*session)->lost());
  CHECK_STATUS((*session)->MessageAndWait(*handle, {{"request", "exists"}, {"room", 1}},
                                          std::nullopt, kEventWait),
               kUnavailable, kUnavailable);
  CHECK_STATUS(admin->Ping(), kUnavailable, kUnavailable);
  (*session)->Stop();
  CHECK(recorder.lost_calls() == 1);
}

TEST_CASE("A session that Janus forgot is reported lost", "[janus][integration]") {
  testing::PrivateJanus server;
  Recorder recorder;
  SessionOptions options = SessionOptionsFor(server);
  // Polls keep failing while Janus is down; it is back long before they run out.
  options.poll_attempts = 1000;
  options.poll_retry_delay = absl::Milliseconds(20);
  auto session = JanusSession::Create(options, recorder.Callbacks());
  REQUIRE_OK(session);
  // Janus restarts on the same ports, without the session.
  server.Kill();
  server.Start();
  std::optional<absl::Status> lost = recorder.WaitForLost();
  REQUIRE(lost.has_value());
  CHECK(lost->code() == absl::StatusCode::kNotFound);
  CHECK(ReasonOf(*lost) == kSessionNotFound);
}

}  // namespace
}  // namespace parta::janus
