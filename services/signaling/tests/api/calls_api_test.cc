// Calls through the API: a direct chat's peer-to-peer call from start to end, its events and
// relayed signals, the chat's notices, heartbeats, and every refusal with its reason.

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "libs/core/random.h"
#include "libs/redis/client.h"
#include "services/signaling/tests/signaling_fixture.h"

namespace parta::signaling {
namespace {

using directory::testing::ReasonOf;
using directory::testing::SchoolWorld;
using testing::EventInbox;
using testing::SignalingFixture;
using Stub = v1::SignalingService::Stub;
namespace msg = messaging::v1;

constexpr const char* kSdp = "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";

struct DirectCall {
  SchoolWorld world;
  msg::Chat chat;  // the teacher's direct chat with the student
};

DirectCall MakeDirectChat(SignalingFixture& f) {
  DirectCall d;
  d.world = f.directory().BuildSchool();
  f.messaging().WaitForRoster(d.world.school_id);
  msg::OpenDirectChatRequest open;
  open.set_school_id(d.world.school_id);
  open.set_user_id(d.world.student);
  ::grpc::Status opened =
      f.messaging().Call(&msg::MessagingService::Stub::OpenDirectChat, d.world.teacher, open,
                         &d.chat);
  INFO(opened.error_message());
  REQUIRE(opened.ok());
  return d;
}

v1::Call Start(SignalingFixture& f, const std::string& user, const std::string& chat_id,
               const std::string& request_id = "start-1") {
  v1::StartCallRequest start;
  start.set_chat_id(chat_id);
  start.set_request_id(request_id);
  v1::StartCallResponse started;
  ::grpc::Status status = f.Call(&Stub::StartCall, user, start, &started);
  INFO(status.error_message());
  REQUIRE(status.ok());
  return started.call();
}

v1::JoinCallResponse Join(SignalingFixture& f, const std::string& user, const std::string& call_id) {
  v1::JoinCallRequest join;
  join.set_call_id(call_id);
  v1::JoinCallResponse joined;
  ::grpc::Status status = f.Call(&Stub::JoinCall, user, join, &joined);
  INFO(status.error_message());
  REQUIRE(status.ok());
  return joined;
}

template <typename Request>
Request ForCall(const std::string& call_id) {
  Request request;
  request.set_call_id(call_id);
  return request;
}

auto ChangeOf(events::v1::CallChange::ChangeCase kind) {
  return [kind](const events::v1::Event& event) {
    return event.has_call_change() && event.call_change().change_case() == kind;
  };
}

auto Signal() {
  return [](const events::v1::Event& event) { return event.has_call_signal(); };
}

std::vector<msg::Message> CallNotices(SignalingFixture& f, const std::string& user,
                                      const std::string& chat_id) {
  msg::ListMessagesRequest list;
  list.set_chat_id(chat_id);
  msg::ListMessagesResponse page;
  REQUIRE(f.messaging().Call(&msg::MessagingService::Stub::ListMessages, user, list, &page).ok());
  std::vector<msg::Message> notices;
  for (const msg::Message& message : page.messages()) {
    if (message.has_call()) notices.push_back(message);
  }
  return notices;
}

TEST_CASE("A direct chat's call: start, join, relayed offer and candidates, hang up, notices",
          "[signaling][api]") {
  // The call lasts 34 minutes of the test's clock without heartbeats.
  PARTA_SIGNALING_FIXTURE(f, [](SignalingConfig& config) {
    config.calls.heartbeat_interval = absl::Hours(1);
  });
  DirectCall d = MakeDirectChat(*f);
  const std::string teacher = d.world.teacher, student = d.world.student;
  auto teacher_events = f->Listen(teacher);
  auto student_events = f->Listen(student);

  v1::Call call = Start(*f, teacher, d.chat.id());
  CHECK(call.state() == v1::CALL_STATE_LIVE);
  CHECK(call.topology() == v1::CALL_TOPOLOGY_PEER_TO_PEER);
  CHECK(call.profile() == v1::CALL_PROFILE_MEETING);
  CHECK(call.host_id() == teacher);
  REQUIRE(call.participants_size() == 1);
  CHECK(call.participants(0).role() == v1::CALL_ROLE_HOST);
  // A retry of the start answers the same call; another start in the chat is refused.
  CHECK(Start(*f, teacher, d.chat.id()).id() == call.id());
  v1::StartCallRequest again;
  again.set_chat_id(d.chat.id());
  again.set_request_id("start-2");
  v1::StartCallResponse refused;
  CHECK_REFUSED(f->Call(&Stub::StartCall, student, again, &refused), ALREADY_EXISTS,
                "CALL_IN_PROGRESS");

  // The chat says the call started; the student finds it and joins.
  REQUIRE(SignalingFixture::Eventually([&] { return CallNotices(*f, student, d.chat.id()).size() == 1; }));
  CHECK(CallNotices(*f, student, d.chat.id())[0].call().kind() == msg::CALL_NOTICE_KIND_STARTED);
  v1::GetLiveCallRequest live;
  live.set_chat_id(d.chat.id());
  v1::GetLiveCallResponse found;
  REQUIRE(f->Call(&Stub::GetLiveCall, student, live, &found).ok());
  CHECK(found.call().id() == call.id());
  v1::JoinCallResponse joined = Join(*f, student, call.id());
  CHECK(joined.call().participants_size() == 2);
  CHECK(joined.heartbeat_interval().seconds() == 3600);
  events::v1::Event joined_event = teacher_events->Take([&](const events::v1::Event& e) {
    return e.has_call_change() && e.call_change().participant_joined().user_id() == student;
  });
  CHECK(joined_event.stream() == "call/" + call.id());
  CHECK(joined_event.sequence() > call.sequence());
  CHECK(joined_event.sequence() <= joined.call().sequence());

  // The teacher's offer and a candidate reach the student, his answer the teacher.
  v1::SendSignalRequest offer = ForCall<v1::SendSignalRequest>(call.id());
  offer.set_to_user_id(student);
  offer.mutable_description()->set_type(v1::SDP_TYPE_OFFER);
  offer.mutable_description()->set_sdp(kSdp);
  v1::SendSignalResponse sent;
  REQUIRE(f->Call(&Stub::SendSignal, teacher, offer, &sent).ok());
  v1::SendSignalRequest candidate = ForCall<v1::SendSignalRequest>(call.id());
  candidate.set_to_user_id(student);
  candidate.mutable_candidate()->set_candidate(
      "candidate:1 1 udp 2122260223 192.0.2.2 50000 typ host generation 0");
  candidate.mutable_candidate()->set_sdp_mid("0");
  REQUIRE(f->Call(&Stub::SendSignal, teacher, candidate, &sent).ok());
  events::v1::Event got_offer = student_events->Take([](const events::v1::Event& e) {
    return e.has_call_signal() && e.call_signal().has_description();
  });
  CHECK(got_offer.call_signal().from_user_id() == teacher);
  CHECK(got_offer.call_signal().description().sdp() == kSdp);
  events::v1::Event got_candidate = student_events->Take([](const events::v1::Event& e) {
    return e.has_call_signal() && e.call_signal().has_candidate();
  });
  CHECK(got_candidate.call_signal().candidate().sdp_mid() == "0");
  v1::SendSignalRequest answer = offer;
  answer.set_to_user_id(teacher);
  answer.mutable_description()->set_type(v1::SDP_TYPE_ANSWER);
  REQUIRE(f->Call(&Stub::SendSignal, student, answer, &sent).ok());
  CHECK(teacher_events->Take(Signal()).call_signal().description().type() == v1::SDP_TYPE_ANSWER);

  // Media state reaches the other side.
  v1::SetMediaStateRequest media = ForCall<v1::SetMediaStateRequest>(call.id());
  media.mutable_media()->set_microphone(true);
  media.mutable_media()->set_camera(false);
  v1::SetMediaStateResponse state;
  REQUIRE(f->Call(&Stub::SetMediaState, student, media, &state).ok());
  events::v1::Event updated =
      teacher_events->Take(ChangeOf(events::v1::CallChange::kParticipantUpdated));
  CHECK_FALSE(updated.call_change().participant_updated().media().camera());

  // Either of the two hangs up for both; the chat shows the call with its length and people.
  f->clock().Advance(absl::Minutes(34));
  v1::EndCallResponse ended;
  REQUIRE(f->Call(&Stub::EndCall, student, ForCall<v1::EndCallRequest>(call.id()), &ended).ok());
  CHECK(ended.call().state() == v1::CALL_STATE_ENDED);
  CHECK(ended.call().end_reason() == v1::CALL_END_REASON_ENDED_BY_HOST);
  CHECK(ended.call().participants().empty());
  events::v1::Event end_event = teacher_events->Take(ChangeOf(events::v1::CallChange::kCallEnded));
  CHECK(end_event.call_change().call_ended().id() == call.id());
  REQUIRE(SignalingFixture::Eventually([&] { return CallNotices(*f, teacher, d.chat.id()).size() == 2; }));
  msg::Message notice = CallNotices(*f, teacher, d.chat.id())[0];  // newest first
  CHECK(notice.call().kind() == msg::CALL_NOTICE_KIND_ENDED);
  CHECK(notice.call().duration().seconds() == 34 * 60);
  CHECK(notice.call().participant_count() == 2);
  CHECK(notice.author_id() == teacher);

  // An ended call takes nobody; ending it again changes nothing; a new call may start.
  v1::JoinCallResponse late;
  CHECK_REFUSED(f->Call(&Stub::JoinCall, student, ForCall<v1::JoinCallRequest>(call.id()), &late),
                FAILED_PRECONDITION, "CALL_ENDED");
  REQUIRE(f->Call(&Stub::EndCall, teacher, ForCall<v1::EndCallRequest>(call.id()), &ended).ok());
  CHECK(Start(*f, student, d.chat.id(), "student-start").id() != call.id());
}

TEST_CASE("Calls refuse outsiders, foreign ids and bad input with stable reasons",
          "[signaling][api]") {
  PARTA_SIGNALING_FIXTURE(f);
  DirectCall d = MakeDirectChat(*f);
  const std::string teacher = d.world.teacher, student = d.world.student;
  const std::string outsider = d.world.admin;  // of the same school, not in the direct chat
  auto outsider_events = f->Listen(outsider);
  v1::Call call = Start(*f, teacher, d.chat.id());

  v1::GetCallResponse read;
  CHECK_REFUSED(f->Call(&Stub::GetCall, outsider, ForCall<v1::GetCallRequest>(call.id()), &read),
                PERMISSION_DENIED, "NOT_CHAT_MEMBER");
  v1::JoinCallResponse joined;
  CHECK_REFUSED(f->Call(&Stub::JoinCall, outsider, ForCall<v1::JoinCallRequest>(call.id()), &joined),
                PERMISSION_DENIED, "NOT_CHAT_MEMBER");
  v1::SendSignalRequest signal = ForCall<v1::SendSignalRequest>(call.id());
  signal.set_to_user_id(teacher);
  signal.mutable_description()->set_type(v1::SDP_TYPE_OFFER);
  signal.mutable_description()->set_sdp(kSdp);
  v1::SendSignalResponse sent;
  CHECK_REFUSED(f->Call(&Stub::SendSignal, outsider, signal, &sent), PERMISSION_DENIED,
                "NOT_CHAT_MEMBER");
  v1::HeartbeatResponse beat;
  CHECK_REFUSED(f->Call(&Stub::Heartbeat, outsider, ForCall<v1::HeartbeatRequest>(call.id()), &beat),
                PERMISSION_DENIED, "NOT_CHAT_MEMBER");
  v1::EndCallResponse ended;
  CHECK_REFUSED(f->Call(&Stub::EndCall, outsider, ForCall<v1::EndCallRequest>(call.id()), &ended),
                PERMISSION_DENIED, "NOT_CHAT_MEMBER");
  v1::GetLiveCallRequest live;
  live.set_chat_id(d.chat.id());
  v1::GetLiveCallResponse found;
  CHECK_REFUSED(f->Call(&Stub::GetLiveCall, outsider, live, &found), PERMISSION_DENIED,
                "NOT_CHAT_MEMBER");
  v1::StartCallRequest start;
  start.set_chat_id(d.chat.id());
  start.set_request_id("outsider");
  v1::StartCallResponse started;
  CHECK_REFUSED(f->Call(&Stub::StartCall, outsider, start, &started), PERMISSION_DENIED,
                "NOT_CHAT_MEMBER");
  // An unknown call looks like a foreign one; a malformed id is named.
  const std::string unknown = NewUuidV7(absl::Now());
  CHECK_REFUSED(f->Call(&Stub::GetCall, teacher, ForCall<v1::GetCallRequest>(unknown), &read),
                PERMISSION_DENIED, "NOT_CHAT_MEMBER");
  CHECK_REFUSED(f->Call(&Stub::GetCall, teacher, ForCall<v1::GetCallRequest>("1 OR 1=1"), &read),
                INVALID_ARGUMENT, "INVALID_CALL_ID");
  start.set_chat_id("nope");
  CHECK_REFUSED(f->Call(&Stub::StartCall, teacher, start, &started), INVALID_ARGUMENT,
                "INVALID_CHAT_ID");
  start.set_chat_id(d.chat.id());
  start.set_request_id("");
  CHECK_REFUSED(f->Call(&Stub::StartCall, teacher, start, &started), INVALID_ARGUMENT,
                "INVALID_REQUEST_ID");

  // A member who has not joined: told so, nothing relayed.
  CHECK_REFUSED(f->Call(&Stub::SendSignal, student, signal, &sent), FAILED_PRECONDITION,
                "NOT_IN_CALL");
  CHECK_REFUSED(f->Call(&Stub::Heartbeat, student, ForCall<v1::HeartbeatRequest>(call.id()), &beat),
                FAILED_PRECONDITION, "NOT_IN_CALL");
  // Signals to someone outside the call, to oneself, or malformed.
  CHECK_REFUSED(f->Call(&Stub::SendSignal, teacher, signal, &sent), FAILED_PRECONDITION,
                "PEER_NOT_IN_CALL");
  signal.set_to_user_id(student);
  CHECK_REFUSED(f->Call(&Stub::SendSignal, teacher, signal, &sent), FAILED_PRECONDITION,
                "PEER_NOT_IN_CALL");
  Join(*f, student, call.id());
  v1::SendSignalRequest bad = signal;
  bad.mutable_description()->set_sdp("hello");
  CHECK_REFUSED(f->Call(&Stub::SendSignal, teacher, bad, &sent), INVALID_ARGUMENT, "INVALID_SDP");
  bad.mutable_candidate()->set_candidate("a=candidate:1\r\nx");
  CHECK_REFUSED(f->Call(&Stub::SendSignal, teacher, bad, &sent), INVALID_ARGUMENT,
                "INVALID_CANDIDATE");
  bad.clear_signal();
  CHECK_REFUSED(f->Call(&Stub::SendSignal, teacher, bad, &sent), INVALID_ARGUMENT, "EMPTY_SIGNAL");
  bad = signal;
  bad.set_to_user_id("x");
  CHECK_REFUSED(f->Call(&Stub::SendSignal, teacher, bad, &sent), INVALID_ARGUMENT,
                "INVALID_USER_ID");
  // A peer-to-peer call has no SFU: its JSEP goes through SendSignal.
  v1::PublishMediaRequest publish = ForCall<v1::PublishMediaRequest>(call.id());
  publish.mutable_offer()->set_type(v1::SDP_TYPE_OFFER);
  publish.mutable_offer()->set_sdp(kSdp);
  v1::PublishMediaResponse published;
  CHECK_REFUSED(f->Call(&Stub::PublishMedia, teacher, publish, &published), FAILED_PRECONDITION,
                "NOT_SFU");
  // The outsider heard nothing of it all.
  ::grpc::Status relayed = f->Call(&Stub::SendSignal, teacher, signal, &sent);
  INFO(relayed.error_message());
  REQUIRE(relayed.ok());
  CHECK_FALSE(outsider_events->Holds([](const events::v1::Event& e) {
    return e.has_call_change() || e.has_call_signal();
  }));
}

TEST_CASE("A class call is started by its teachers, and needs a media server",
          "[signaling][api]") {
  PARTA_SIGNALING_FIXTURE(f);
  SchoolWorld w = f->directory().BuildSchool();
  msg::Chat lesson =
      f->messaging().WaitForChat(w.student, msg::CHAT_KIND_CLASS_STUDENTS, w.class_id);
  v1::StartCallRequest start;
  start.set_chat_id(lesson.id());
  start.set_request_id("lesson");
  v1::StartCallResponse started;
  CHECK_REFUSED(f->Call(&Stub::StartCall, w.student, start, &started), PERMISSION_DENIED,
                "START_CALLS_NOT_ALLOWED");
  f->messaging().WaitForChat(w.teacher, msg::CHAT_KIND_CLASS_STUDENTS, w.class_id);
  CHECK_REFUSED(f->Call(&Stub::StartCall, w.teacher, start, &started), FAILED_PRECONDITION,
                "NO_MEDIA_SERVER");
}

TEST_CASE("A vanished participant leaves within the heartbeat window, and a lost state comes back",
          "[signaling][api]") {
  PARTA_SIGNALING_FIXTURE(f);
  DirectCall d = MakeDirectChat(*f);
  const std::string teacher = d.world.teacher, student = d.world.student;
  auto teacher_events = f->Listen(teacher);
  v1::Call call = Start(*f, teacher, d.chat.id());
  Join(*f, student, call.id());

  // The teacher keeps beating; the student's client is gone.
  f->clock().Advance(absl::Seconds(10));
  v1::HeartbeatResponse beat;
  REQUIRE(f->Call(&Stub::Heartbeat, teacher, ForCall<v1::HeartbeatRequest>(call.id()), &beat).ok());
  CHECK_FALSE(beat.resync());
  f->clock().Advance(absl::Seconds(6));
  events::v1::Event left = teacher_events->Take(ChangeOf(events::v1::CallChange::kParticipantLeft));
  CHECK(left.call_change().participant_left().user_id() == student);
  CHECK(left.call_change().participant_left().reason() == v1::LEAVE_REASON_TIMED_OUT);
  CHECK(left.call_change().actor_id().empty());
  v1::GetCallResponse read;
  REQUIRE(f->Call(&Stub::GetCall, teacher, ForCall<v1::GetCallRequest>(call.id()), &read).ok());
  CHECK(read.call().participants_size() == 1);
  CHECK(read.call().state() == v1::CALL_STATE_LIVE);
  v1::HeartbeatResponse dropped;
  CHECK_REFUSED(f->Call(&Stub::Heartbeat, student, ForCall<v1::HeartbeatRequest>(call.id()), &dropped),
                FAILED_PRECONDITION, "NOT_IN_CALL");

  // Redis loses the call's fast state: the next heartbeat puts the teacher back and says so.
  redis::Pool redis({.endpoint = *redis::Endpoint::Parse(f->config().redis_uri)});
  REQUIRE(redis.Command({"DEL", "parta:call:{" + call.id() + "}:people"}).ok());
  REQUIRE(f->Call(&Stub::Heartbeat, teacher, ForCall<v1::HeartbeatRequest>(call.id()), &beat).ok());
  CHECK(beat.resync());
  REQUIRE(f->Call(&Stub::GetCall, teacher, ForCall<v1::GetCallRequest>(call.id()), &read).ok());
  REQUIRE(read.call().participants_size() == 1);
  CHECK(read.call().participants(0).user_id() == teacher);
  CHECK(read.call().participants(0).role() == v1::CALL_ROLE_HOST);

  // The last one out ends the call.
  v1::LeaveCallResponse gone;
  REQUIRE(f->Call(&Stub::LeaveCall, teacher, ForCall<v1::LeaveCallRequest>(call.id()), &gone).ok());
  REQUIRE(f->Call(&Stub::GetCall, teacher, ForCall<v1::GetCallRequest>(call.id()), &read).ok());
  CHECK(read.call().state() == v1::CALL_STATE_ENDED);
  CHECK(read.call().end_reason() == v1::CALL_END_REASON_EVERYONE_LEFT);
}

TEST_CASE("The host removes a participant for good, and only hosts moderate", "[signaling][api]") {
  PARTA_SIGNALING_FIXTURE(f);
  DirectCall d = MakeDirectChat(*f);
  const std::string teacher = d.world.teacher, student = d.world.student;
  auto student_events = f->Listen(student);
  v1::Call call = Start(*f, teacher, d.chat.id());
  Join(*f, student, call.id());

  v1::ModerateParticipantRequest remove = ForCall<v1::ModerateParticipantRequest>(call.id());
  remove.set_user_id(teacher);
  remove.set_remove(true);
  v1::ModerateParticipantResponse moderated;
  CHECK_REFUSED(f->Call(&Stub::ModerateParticipant, student, remove, &moderated), PERMISSION_DENIED,
                "HOST_ONLY");
  CHECK_REFUSED(f->Call(&Stub::ModerateParticipant, teacher, remove, &moderated),
                FAILED_PRECONDITION, "HOST_NOT_REMOVABLE");
  v1::ModerateParticipantRequest empty = ForCall<v1::ModerateParticipantRequest>(call.id());
  empty.set_user_id(student);
  CHECK_REFUSED(f->Call(&Stub::ModerateParticipant, teacher, empty, &moderated), INVALID_ARGUMENT,
                "EMPTY_ACTION");
  // A peer-to-peer call has no media server to hold a mute.
  v1::ModerateParticipantRequest mute = ForCall<v1::ModerateParticipantRequest>(call.id());
  mute.set_user_id(student);
  mute.set_mute_microphone(true);
  CHECK_REFUSED(f->Call(&Stub::ModerateParticipant, teacher, mute, &moderated),
                FAILED_PRECONDITION, "NOT_SFU");
  remove.set_user_id(student);
  REQUIRE(f->Call(&Stub::ModerateParticipant, teacher, remove, &moderated).ok());
  events::v1::Event left = student_events->Take(ChangeOf(events::v1::CallChange::kParticipantLeft));
  CHECK(left.call_change().participant_left().reason() == v1::LEAVE_REASON_REMOVED);
  CHECK(left.call_change().actor_id() == teacher);
  v1::JoinCallResponse rejoined;
  CHECK_REFUSED(f->Call(&Stub::JoinCall, student, ForCall<v1::JoinCallRequest>(call.id()), &rejoined),
                PERMISSION_DENIED, "REMOVED_FROM_CALL");
  CHECK_REFUSED(f->Call(&Stub::ModerateParticipant, teacher, remove, &moderated),
                FAILED_PRECONDITION, "PEER_NOT_IN_CALL");
}

TEST_CASE("A locked call lets nobody else in, and a waiting room holds newcomers until a host "
          "lets them in or declines them",
          "[signaling][api]") {
  PARTA_SIGNALING_FIXTURE(f);
  DirectCall d = MakeDirectChat(*f);
  const std::string teacher = d.world.teacher, student = d.world.student;
  SchoolWorld other = f->directory().BuildSchool("Школа № 7");
  auto teacher_events = f->Listen(teacher);
  auto student_events = f->Listen(student);
  v1::Call call = Start(*f, teacher, d.chat.id());

  v1::SetCallControlsRequest controls = ForCall<v1::SetCallControlsRequest>(call.id());
  v1::SetCallControlsResponse controlled;
  CHECK_REFUSED(f->Call(&Stub::SetCallControls, teacher, controls, &controlled), INVALID_ARGUMENT,
                "EMPTY_CONTROLS");
  controls.set_locked(true);
  CHECK_REFUSED(f->Call(&Stub::SetCallControls, student, controls, &controlled),
                PERMISSION_DENIED, "HOST_ONLY");
  CHECK_REFUSED(f->Call(&Stub::SetCallControls, other.teacher, controls, &controlled),
                PERMISSION_DENIED, "NOT_CHAT_MEMBER");
  REQUIRE(f->Call(&Stub::SetCallControls, teacher, controls, &controlled).ok());
  CHECK(controlled.call().locked());
  CHECK(teacher_events->Take(ChangeOf(events::v1::CallChange::kControlsChanged))
            .call_change()
            .controls_changed()
            .locked());
  v1::JoinCallResponse joined;
  CHECK_REFUSED(f->Call(&Stub::JoinCall, student, ForCall<v1::JoinCallRequest>(call.id()), &joined),
                FAILED_PRECONDITION, "CALL_LOCKED");
  // The host himself still comes back into a locked call.
  CHECK(Join(*f, teacher, call.id()).call().locked());

  // Unlocked, with a waiting room: the student knocks and waits.
  controls.set_locked(false);
  controls.set_waiting_room(true);
  REQUIRE(f->Call(&Stub::SetCallControls, teacher, controls, &controlled).ok());
  CHECK_FALSE(controlled.call().locked());
  CHECK(controlled.call().waiting_room());
  joined = Join(*f, student, call.id());
  CHECK(joined.waiting());
  CHECK(joined.ice_servers().empty());
  REQUIRE(joined.call().waiting_size() == 1);
  CHECK(joined.call().waiting(0).user_id() == student);
  CHECK(joined.call().participants_size() == 1);
  CHECK(teacher_events->Take(ChangeOf(events::v1::CallChange::kParticipantWaiting))
            .call_change()
            .participant_waiting()
            .user_id() == student);
  // Waiting is not being in: he may not send, but his heartbeats keep his knock.
  v1::SetMediaStateRequest media = ForCall<v1::SetMediaStateRequest>(call.id());
  v1::SetMediaStateResponse media_set;
  CHECK_REFUSED(f->Call(&Stub::SetMediaState, student, media, &media_set), FAILED_PRECONDITION,
                "NOT_IN_CALL");
  v1::HeartbeatResponse beat;
  REQUIRE(f->Call(&Stub::Heartbeat, student, ForCall<v1::HeartbeatRequest>(call.id()), &beat).ok());
  CHECK_FALSE(beat.resync());

  // Declined: told so, and may knock again; a knock withdrawn tells the host.
  v1::AdmitParticipantRequest decline = ForCall<v1::AdmitParticipantRequest>(call.id());
  decline.set_user_id(student);
  v1::AdmitParticipantResponse decided;
  REQUIRE(f->Call(&Stub::AdmitParticipant, teacher, decline, &decided).ok());
  CHECK(student_events->Take(ChangeOf(events::v1::CallChange::kWaitEnded))
            .call_change()
            .wait_ended()
            .outcome() == v1::WAIT_OUTCOME_DECLINED);
  CHECK_REFUSED(f->Call(&Stub::AdmitParticipant, teacher, decline, &decided), FAILED_PRECONDITION,
                "NOT_WAITING");
  CHECK(Join(*f, student, call.id()).waiting());
  v1::LeaveCallResponse left;
  REQUIRE(f->Call(&Stub::LeaveCall, student, ForCall<v1::LeaveCallRequest>(call.id()), &left).ok());
  events::v1::Event withdrawn = teacher_events->Take([&](const events::v1::Event& e) {
    return e.has_call_change() &&
           e.call_change().wait_ended().outcome() == v1::WAIT_OUTCOME_LEFT;
  });
  CHECK(withdrawn.call_change().wait_ended().user_id() == student);
  v1::GetCallResponse read;
  REQUIRE(f->Call(&Stub::GetCall, teacher, ForCall<v1::GetCallRequest>(call.id()), &read).ok());
  CHECK(read.call().waiting().empty());
  CHECK(read.call().state() == v1::CALL_STATE_LIVE);  // a knock leaving ends nothing

  // A knock without heartbeats lapses (the host keeps beating).
  CHECK(Join(*f, student, call.id()).waiting());
  const absl::Duration interval = f->config().calls.heartbeat_interval;
  f->clock().Advance(interval * 2);
  REQUIRE(f->Call(&Stub::Heartbeat, teacher, ForCall<v1::HeartbeatRequest>(call.id()), &beat).ok());
  f->clock().Advance(interval * 2);
  teacher_events->Take([&](const events::v1::Event& e) {
    return e.has_call_change() && e.call_change().wait_ended().user_id() == student &&
           e.call_change().wait_ended().outcome() == v1::WAIT_OUTCOME_LEFT;
  });
  REQUIRE(f->Call(&Stub::Heartbeat, teacher, ForCall<v1::HeartbeatRequest>(call.id()), &beat).ok());

  // Knocking again, then the host ends the call: the one waiting hears it too.
  CHECK(Join(*f, student, call.id()).waiting());
  v1::EndCallResponse ended;
  REQUIRE(f->Call(&Stub::EndCall, teacher, ForCall<v1::EndCallRequest>(call.id()), &ended).ok());
  student_events->Take(ChangeOf(events::v1::CallChange::kCallEnded));
  CHECK_REFUSED(f->Call(&Stub::SetCallControls, teacher, controls, &controlled),
                FAILED_PRECONDITION, "CALL_ENDED");
}

TEST_CASE("A guest link stops working when it expires, and a code must look like one",
          "[signaling][api]") {
  PARTA_SIGNALING_FIXTURE(f, [](SignalingConfig& config) {
    config.calls.heartbeat_interval = absl::Hours(6);  // the host stays through the wait
  });
  DirectCall d = MakeDirectChat(*f);
  v1::Call call = Start(*f, d.world.teacher, d.chat.id());
  v1::CreateGuestLinkRequest create = ForCall<v1::CreateGuestLinkRequest>(call.id());
  create.mutable_valid_for()->set_seconds(600);
  v1::CreateGuestLinkResponse link;
  CHECK_REFUSED(f->Call(&Stub::CreateGuestLink, d.world.teacher, create, &link),
                FAILED_PRECONDITION, "GUESTS_NOT_ALLOWED");
  directory::v1::UpdateSchoolRequest allow;
  allow.mutable_school()->set_id(d.world.school_id);
  allow.mutable_school()->set_call_guests_allowed(true);
  allow.mutable_update_mask()->add_paths("call_guests_allowed");
  directory::v1::UpdateSchoolResponse allowed;
  REQUIRE(f->directory()
              .Call(&directory::v1::DirectoryService::Stub::UpdateSchool, d.world.admin, allow,
                    &allowed)
              .ok());
  REQUIRE(f->Call(&Stub::CreateGuestLink, d.world.teacher, create, &link).ok());

  v1::JoinAsGuestRequest join;
  join.set_display_name("Лектор");
  v1::JoinAsGuestResponse joined;
  join.set_code("short");
  CHECK_REFUSED(f->Call(&Stub::JoinAsGuest, d.world.student, join, &joined), INVALID_ARGUMENT,
                "INVALID_CODE");
  join.set_code(link.code());
  f->clock().Advance(absl::Seconds(601));
  CHECK_REFUSED(f->Call(&Stub::JoinAsGuest, d.world.student, join, &joined), FAILED_PRECONDITION,
                "GUEST_LINK_EXPIRED");
}

TEST_CASE("ICE servers: TURN credentials of the REST scheme, for participants only",
          "[signaling][api]") {
  PARTA_SIGNALING_FIXTURE(f, [](SignalingConfig& config) {
    config.ice.stun_urls = {"stun:127.0.0.1:13478"};
    config.ice.turn_urls = {"turn:127.0.0.1:13478?transport=udp"};
    config.ice.turn_secret = "0123456789abcdef";
  });
  DirectCall d = MakeDirectChat(*f);
  v1::Call call = Start(*f, d.world.teacher, d.chat.id());
  v1::GetIceServersResponse servers;
  REQUIRE(f->Call(&Stub::GetIceServers, d.world.teacher,
                  ForCall<v1::GetIceServersRequest>(call.id()), &servers)
              .ok());
  REQUIRE(servers.ice_servers_size() == 2);
  CHECK(servers.ice_servers(0).urls(0) == "stun:127.0.0.1:13478");
  const v1::IceServer& turn = servers.ice_servers(1);
  const int64_t expiry = absl::ToUnixSeconds(f->clock().Now() + absl::Hours(1));
  CHECK(turn.username() == std::to_string(expiry) + ":" + d.world.teacher);
  CHECK(turn.credential().size() == 28);  // base64 of a 20-byte HMAC-SHA1
  CHECK(servers.ttl().seconds() == 3600);
  CHECK_REFUSED(f->Call(&Stub::GetIceServers, d.world.student,
                        ForCall<v1::GetIceServersRequest>(call.id()), &servers),
                FAILED_PRECONDITION, "NOT_IN_CALL");
}

}  // namespace
}  // namespace parta::signaling
