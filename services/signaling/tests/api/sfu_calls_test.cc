// SFU calls on real Janus instances (private ones of the test): a lesson's room on Janus, its
// publications relayed to Janus, the hosts' controls applied there, the room's end, a lost Janus
// ending its calls, and calls spread over two instances. Janus is checked through its own admin
// API. Media itself needs a browser: tests/browser/calls_group.mjs.

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "libs/core/random.h"
#include "libs/janus/admin.h"
#include "services/signaling/tests/signaling_fixture.h"

namespace parta::signaling {
namespace {

using directory::testing::SchoolWorld;
using testing::SignalingFixture;
using Stub = v1::SignalingService::Stub;
namespace msg = messaging::v1;

#define PARTA_SFU_FIXTURE(var, servers)                 \
  auto var = SignalingFixture::StartWithJanus(servers); \
  if (!var) return

std::unique_ptr<janus::JanusAdmin> AdminOf(const parta::testing::PrivateJanus& server) {
  auto admin = janus::JanusAdmin::Create({.url = server.admin_url(),
                                          .admin_secret = server.admin_secret(),
                                          .admin_key = server.admin_key()});
  REQUIRE(admin.ok());
  return *std::move(admin);
}

// The rooms a Janus holds, by their description.
std::map<std::string, uint64_t> RoomsOf(const parta::testing::PrivateJanus& server) {
  auto admin = AdminOf(server);
  auto list = admin->VideoRoomRequest({{"request", "list"}, {"admin_key", server.admin_key()}});
  INFO(list.status().ToString());
  REQUIRE(list.ok());
  std::map<std::string, uint64_t> rooms;
  for (const nlohmann::json& room : (*list)["list"]) {
    rooms[room.value("description", "")] = room.value("room", uint64_t{0});
  }
  return rooms;
}

// The room of `call_id` on `server`, or 0.
uint64_t RoomOf(const parta::testing::PrivateJanus& server, const std::string& call_id) {
  std::map<std::string, uint64_t> rooms = RoomsOf(server);
  auto it = rooms.find("parta call " + call_id);
  return it == rooms.end() ? 0 : it->second;
}

// The displays (Parta user ids) of a room's participants.
std::vector<std::string> PeopleIn(const parta::testing::PrivateJanus& server, uint64_t room) {
  auto participants = AdminOf(server)->ListParticipants(room);
  INFO(participants.status().ToString());
  REQUIRE(participants.ok());
  std::vector<std::string> people;
  for (const janus::Participant& participant : *participants) {
    people.push_back(participant.display);
  }
  std::sort(people.begin(), people.end());
  return people;
}

// The room's people once they are `expected`: Janus lets a participant go when his handles are
// detached, which it finishes after answering the detach (a leave is not a kick).
std::vector<std::string> PeopleOnceLeft(const parta::testing::PrivateJanus& server, uint64_t room,
                                        const std::vector<std::string>& expected) {
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  std::vector<std::string> people = PeopleIn(server, room);
  while (people != expected && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));  // a poll's pace, not a wait for anything
    people = PeopleIn(server, room);
  }
  return people;
}

std::vector<std::string> Sorted(std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end());
  return ids;
}

template <typename Request>
Request ForCall(const std::string& call_id) {
  Request request;
  request.set_call_id(call_id);
  return request;
}

v1::Call Start(SignalingFixture& f, const std::string& user, const std::string& chat_id) {
  v1::StartCallRequest start;
  start.set_chat_id(chat_id);
  start.set_request_id(NewUuidV7(absl::Now()));
  v1::StartCallResponse started;
  ::grpc::Status status = f.Call(&Stub::StartCall, user, start, &started);
  INFO(status.error_message());
  REQUIRE(status.ok());
  return started.call();
}

v1::JoinCallResponse Join(SignalingFixture& f, const std::string& user,
                          const std::string& call_id) {
  v1::JoinCallResponse joined;
  ::grpc::Status status =
      f.Call(&Stub::JoinCall, user, ForCall<v1::JoinCallRequest>(call_id), &joined);
  INFO(status.error_message());
  REQUIRE(status.ok());
  return joined;
}

v1::PublishMediaRequest Offer(const std::string& call_id) {
  v1::PublishMediaRequest publish = ForCall<v1::PublishMediaRequest>(call_id);
  publish.mutable_offer()->set_type(v1::SDP_TYPE_OFFER);
  publish.mutable_offer()->set_sdp(parta::testing::HandMadeSdpOffer());
  return publish;
}

v1::ModerateParticipantRequest Moderation(const std::string& call_id, const std::string& user) {
  v1::ModerateParticipantRequest moderate = ForCall<v1::ModerateParticipantRequest>(call_id);
  moderate.set_user_id(user);
  return moderate;
}

auto ChangeOf(events::v1::CallChange::ChangeCase kind) {
  return [kind](const events::v1::Event& event) {
    return event.has_call_change() && event.call_change().change_case() == kind;
  };
}

// A school whose class has its teacher and three pupils, all in the class's students' chat.
struct Lesson {
  SchoolWorld world;
  std::vector<std::string> pupils;
  msg::Chat chat;
};

Lesson MakeLesson(SignalingFixture& f, int pupils = 3) {
  Lesson l;
  l.world = f.directory().BuildSchool();
  l.pupils.push_back(l.world.student);
  while (static_cast<int>(l.pupils.size()) < pupils) {
    l.pupils.push_back(f.directory().Join(l.world.school_id, f.directory().Token(l.world.teacher),
                                          directory::v1::ROLE_STUDENT, l.world.class_id));
  }
  l.chat =
      f.messaging().WaitForChat(l.world.teacher, msg::CHAT_KIND_CLASS_STUDENTS, l.world.class_id);
  for (const std::string& pupil : l.pupils) {
    f.messaging().WaitForChat(pupil, msg::CHAT_KIND_CLASS_STUDENTS, l.world.class_id);
  }
  return l;
}

v1::SetCallControlsRequest Controls(const std::string& call_id) {
  return ForCall<v1::SetCallControlsRequest>(call_id);
}

TEST_CASE(
    "A lesson's waiting room lets pupils into the Janus room when a host admits them, and "
    "a host mutes everyone there at once",
    "[signaling][sfu][integration]") {
  PARTA_SFU_FIXTURE(f, 1);
  Lesson l = MakeLesson(*f);
  const std::string teacher = l.world.teacher;
  const std::string anna = l.pupils[0], boris = l.pupils[1], vera = l.pupils[2];
  auto teacher_events = f->Listen(teacher);
  auto anna_events = f->Listen(anna);

  v1::Call call = Start(*f, teacher, l.chat.id());
  const uint64_t room = RoomOf(f->janus(), call.id());
  REQUIRE(room != 0);
  v1::SetCallControlsRequest waiting_room = Controls(call.id());
  waiting_room.set_waiting_room(true);
  v1::SetCallControlsResponse controlled;
  CHECK_REFUSED(f->Call(&Stub::SetCallControls, anna, waiting_room, &controlled), PERMISSION_DENIED,
                "HOST_ONLY");
  REQUIRE(f->Call(&Stub::SetCallControls, teacher, waiting_room, &controlled).ok());
  CHECK(controlled.call().waiting_room());

  // Anna and Boris knock: they wait outside the Janus room; the teacher sees them.
  v1::JoinCallResponse knocked = Join(*f, anna, call.id());
  CHECK(knocked.waiting());
  CHECK(knocked.ice_servers().empty());
  f->clock().Advance(absl::Milliseconds(10));  // Boris knocks after her
  Join(*f, boris, call.id());
  events::v1::Event waiting =
      teacher_events->Take(ChangeOf(events::v1::CallChange::kParticipantWaiting));
  CHECK(waiting.call_change().participant_waiting().user_id() == anna);
  CHECK(waiting.call_change().participant_waiting().role() == v1::CALL_ROLE_PARTICIPANT);
  CHECK(PeopleIn(f->janus(), room) == std::vector<std::string>{teacher});
  v1::PublishMediaResponse published;
  CHECK_REFUSED(f->Call(&Stub::PublishMedia, anna, Offer(call.id()), &published),
                FAILED_PRECONDITION, "NOT_IN_CALL");
  v1::GetCallResponse read;
  REQUIRE(f->Call(&Stub::GetCall, teacher, ForCall<v1::GetCallRequest>(call.id()), &read).ok());
  REQUIRE(read.call().waiting_size() == 2);
  CHECK(read.call().waiting(0).user_id() == anna);
  CHECK(read.call().participants_size() == 1);

  // Admitted: Anna is in the room and hears of it; a pupil may not admit; Vera never knocked.
  v1::AdmitParticipantRequest admit = ForCall<v1::AdmitParticipantRequest>(call.id());
  admit.set_user_id(anna);
  admit.set_admit(true);
  v1::AdmitParticipantResponse admitted;
  CHECK_REFUSED(f->Call(&Stub::AdmitParticipant, boris, admit, &admitted), PERMISSION_DENIED,
                "HOST_ONLY");
  REQUIRE(f->Call(&Stub::AdmitParticipant, teacher, admit, &admitted).ok());
  events::v1::Event outcome = anna_events->Take(ChangeOf(events::v1::CallChange::kWaitEnded));
  CHECK(outcome.call_change().wait_ended().outcome() == v1::WAIT_OUTCOME_ADMITTED);
  anna_events->Take([&](const events::v1::Event& e) {
    return e.has_call_change() && e.call_change().participant_joined().user_id() == anna;
  });
  CHECK(PeopleIn(f->janus(), room) == Sorted({teacher, anna}));
  CHECK_REFUSED(f->Call(&Stub::AdmitParticipant, teacher, admit, &admitted), FAILED_PRECONDITION,
                "NOT_WAITING");
  admit.set_user_id(vera);
  CHECK_REFUSED(f->Call(&Stub::AdmitParticipant, teacher, admit, &admitted), FAILED_PRECONDITION,
                "NOT_WAITING");
  // An admitted pupil who rejoins is not asked to wait again.
  CHECK_FALSE(Join(*f, anna, call.id()).waiting());

  // The waiting room off: everyone waiting comes in.
  waiting_room.set_waiting_room(false);
  REQUIRE(f->Call(&Stub::SetCallControls, teacher, waiting_room, &controlled).ok());
  CHECK(controlled.call().waiting().empty());
  // Anna's rejoin replaced her handle in the room; Janus lets the old one go once it has
  // answered its detach.
  CHECK(PeopleOnceLeft(f->janus(), room, Sorted({teacher, anna, boris})) ==
        Sorted({teacher, anna, boris}));

  // The teacher lets both speak, then mutes everyone at once: the pupils, not himself.
  for (const std::string& pupil : {anna, boris}) {
    v1::ModerateParticipantRequest unmute = Moderation(call.id(), pupil);
    unmute.set_mute_microphone(false);
    v1::ModerateParticipantResponse moderated;
    REQUIRE(f->Call(&Stub::ModerateParticipant, teacher, unmute, &moderated).ok());
  }
  v1::MuteEveryoneResponse muted;
  CHECK_REFUSED(
      f->Call(&Stub::MuteEveryone, anna, ForCall<v1::MuteEveryoneRequest>(call.id()), &muted),
      PERMISSION_DENIED, "HOST_ONLY");
  REQUIRE(f->Call(&Stub::MuteEveryone, teacher, ForCall<v1::MuteEveryoneRequest>(call.id()), &muted)
              .ok());
  CHECK(Sorted({muted.muted_user_ids().begin(), muted.muted_user_ids().end()}) ==
        Sorted({anna, boris}));
  REQUIRE(f->Call(&Stub::GetCall, teacher, ForCall<v1::GetCallRequest>(call.id()), &read).ok());
  for (const v1::Participant& person : read.call().participants()) {
    INFO(person.user_id());
    CHECK(person.muted_by_host() == (person.user_id() != teacher));
  }
  // Nobody left to mute: nothing happens.
  REQUIRE(f->Call(&Stub::MuteEveryone, teacher, ForCall<v1::MuteEveryoneRequest>(call.id()), &muted)
              .ok());
  CHECK(muted.muted_user_ids().empty());
}

TEST_CASE(
    "A lesson runs on Janus: pupils come in muted, publications are answered by Janus, "
    "a removed pupil is kicked there, and the end destroys the room",
    "[signaling][sfu][integration]") {
  PARTA_SFU_FIXTURE(f, 1);
  Lesson l = MakeLesson(*f);
  const std::string teacher = l.world.teacher;
  const std::string anna = l.pupils[0], boris = l.pupils[1], vera = l.pupils[2];
  SchoolWorld other = f->directory().BuildSchool("Школа № 7");
  auto anna_events = f->Listen(anna);

  v1::Call call = Start(*f, teacher, l.chat.id());
  CHECK(call.topology() == v1::CALL_TOPOLOGY_SFU);
  CHECK(call.profile() == v1::CALL_PROFILE_LESSON);
  const uint64_t room = RoomOf(f->janus(), call.id());
  REQUIRE(room != 0);
  CHECK(PeopleIn(f->janus(), room) == std::vector<std::string>{teacher});

  v1::JoinCallResponse joined = Join(*f, anna, call.id());
  Join(*f, boris, call.id());
  for (const v1::Participant& person : joined.call().participants()) {
    if (person.user_id() != anna) continue;
    CHECK(person.muted_by_host());
    CHECK_FALSE(person.media().microphone());
    CHECK(person.role() == v1::CALL_ROLE_PARTICIPANT);
  }
  CHECK(PeopleIn(f->janus(), room) == Sorted({teacher, anna, boris}));

  // Publications go to Janus, which answers them.
  v1::PublishMediaResponse published;
  REQUIRE(f->Call(&Stub::PublishMedia, teacher, Offer(call.id()), &published).ok());
  CHECK(published.answer().type() == v1::SDP_TYPE_ANSWER);
  CHECK(absl::StartsWith(published.answer().sdp(), "v=0"));
  ::grpc::Status anna_published = f->Call(&Stub::PublishMedia, anna, Offer(call.id()), &published);
  INFO(anna_published.error_message());
  REQUIRE(anna_published.ok());
  CHECK(absl::StartsWith(published.answer().sdp(), "v=0"));
  // A second offer renegotiates the same publication.
  REQUIRE(f->Call(&Stub::PublishMedia, anna, Offer(call.id()), &published).ok());
  // An offer Janus cannot read is refused as such; the next good one is taken.
  v1::PublishMediaRequest garbled = Offer(call.id());
  garbled.mutable_offer()->set_sdp("v=0\r\nthis is no session description\r\n");
  CHECK_REFUSED(f->Call(&Stub::PublishMedia, boris, garbled, &published), INVALID_ARGUMENT,
                "INVALID_SDP");
  REQUIRE(f->Call(&Stub::PublishMedia, boris, Offer(call.id()), &published).ok());
  v1::TrickleMediaRequest trickle = ForCall<v1::TrickleMediaRequest>(call.id());
  v1::IceCandidate* candidate = trickle.add_candidates();
  candidate->set_candidate("candidate:1 1 udp 2122260223 192.0.2.2 50000 typ host");
  candidate->set_sdp_mid("0");
  trickle.add_candidates()->set_end_of_candidates(true);
  v1::TrickleMediaResponse trickled;
  REQUIRE(f->Call(&Stub::TrickleMedia, anna, trickle, &trickled).ok());

  // Refusals: a pupil of another school, a pupil of the class not in the call, someone else's or
  // an unknown subscription, media not on the server yet.
  CHECK_REFUSED(f->Call(&Stub::PublishMedia, other.student, Offer(call.id()), &published),
                PERMISSION_DENIED, "NOT_CHAT_MEMBER");
  CHECK_REFUSED(f->Call(&Stub::PublishMedia, vera, Offer(call.id()), &published),
                FAILED_PRECONDITION, "NOT_IN_CALL");
  CHECK_REFUSED(f->Call(&Stub::TrickleMedia, vera, trickle, &trickled), FAILED_PRECONDITION,
                "NOT_IN_CALL");
  v1::SubscribeMediaRequest subscribe = ForCall<v1::SubscribeMediaRequest>(call.id());
  subscribe.set_publisher_user_id(teacher);
  v1::SubscribeMediaResponse subscribed;
  // Janus has the offer but no PeerConnection came up (no browser): nothing to subscribe to.
  CHECK_REFUSED(f->Call(&Stub::SubscribeMedia, anna, subscribe, &subscribed), FAILED_PRECONDITION,
                "PEER_NOT_PUBLISHING");
  CHECK_REFUSED(f->Call(&Stub::SubscribeMedia, other.student, subscribe, &subscribed),
                PERMISSION_DENIED, "NOT_CHAT_MEMBER");
  v1::AnswerSubscriptionRequest answer = ForCall<v1::AnswerSubscriptionRequest>(call.id());
  answer.set_subscription_id(NewUuidV7(absl::Now()));
  answer.mutable_answer()->set_type(v1::SDP_TYPE_ANSWER);
  answer.mutable_answer()->set_sdp(parta::testing::HandMadeSdpOffer());
  v1::AnswerSubscriptionResponse answered;
  CHECK_REFUSED(f->Call(&Stub::AnswerSubscription, anna, answer, &answered), NOT_FOUND,
                "SUBSCRIPTION_NOT_FOUND");
  trickle.set_subscription_id("not-a-subscription");
  CHECK_REFUSED(f->Call(&Stub::TrickleMedia, anna, trickle, &trickled), NOT_FOUND,
                "SUBSCRIPTION_NOT_FOUND");
  trickle.clear_subscription_id();
  // A rejoin gives a fresh place in the room: he is there once, as soon as Janus has let his
  // old place go (a detach Janus completes after answering it).
  Join(*f, boris, call.id());
  CHECK(SignalingFixture::Eventually([&] {
    return PeopleIn(f->janus(), room) == Sorted({teacher, anna, boris});
  }));

  // The teacher lets Anna speak and mutes her again, at Janus; a pupil may not.
  v1::ModerateParticipantRequest unmute = Moderation(call.id(), anna);
  unmute.set_mute_microphone(false);
  v1::ModerateParticipantResponse moderated;
  CHECK_REFUSED(f->Call(&Stub::ModerateParticipant, boris, unmute, &moderated), PERMISSION_DENIED,
                "HOST_ONLY");
  REQUIRE(f->Call(&Stub::ModerateParticipant, teacher, unmute, &moderated).ok());
  events::v1::Event updated =
      anna_events->Take(ChangeOf(events::v1::CallChange::kParticipantUpdated));
  CHECK_FALSE(updated.call_change().participant_updated().muted_by_host());
  v1::ModerateParticipantRequest mute = Moderation(call.id(), anna);
  mute.set_mute_microphone(true);
  REQUIRE(f->Call(&Stub::ModerateParticipant, teacher, mute, &moderated).ok());

  // Removed: out of the Janus room at once, and not let back in.
  v1::ModerateParticipantRequest remove = Moderation(call.id(), anna);
  remove.set_remove(true);
  REQUIRE(f->Call(&Stub::ModerateParticipant, teacher, remove, &moderated).ok());
  CHECK(PeopleIn(f->janus(), room) == Sorted({teacher, boris}));
  v1::JoinCallResponse rejoined;
  CHECK_REFUSED(f->Call(&Stub::JoinCall, anna, ForCall<v1::JoinCallRequest>(call.id()), &rejoined),
                PERMISSION_DENIED, "REMOVED_FROM_CALL");
  CHECK_REFUSED(f->Call(&Stub::PublishMedia, anna, Offer(call.id()), &published),
                FAILED_PRECONDITION, "NOT_IN_CALL");

  // Boris leaves: out of the room; the end destroys the room.
  v1::LeaveCallResponse left;
  REQUIRE(f->Call(&Stub::LeaveCall, boris, ForCall<v1::LeaveCallRequest>(call.id()), &left).ok());
  CHECK(PeopleOnceLeft(f->janus(), room, {teacher}) == std::vector<std::string>{teacher});
  v1::EndCallResponse ended;
  REQUIRE(f->Call(&Stub::EndCall, teacher, ForCall<v1::EndCallRequest>(call.id()), &ended).ok());
  CHECK(ended.call().end_reason() == v1::CALL_END_REASON_ENDED_BY_HOST);
  auto exists = AdminOf(f->janus())->RoomExists(room);
  REQUIRE(exists.ok());
  CHECK_FALSE(*exists);
}

TEST_CASE(
    "A Janus that dies ends its calls as media server lost, and a new call waits for it "
    "to come back",
    "[signaling][sfu][integration]") {
  PARTA_SFU_FIXTURE(f, 1);
  Lesson l = MakeLesson(*f, 1);
  const std::string teacher = l.world.teacher, pupil = l.pupils[0];
  auto teacher_events = f->Listen(teacher);
  auto pupil_events = f->Listen(pupil);
  v1::Call call = Start(*f, teacher, l.chat.id());
  Join(*f, pupil, call.id());

  f->janus().Kill();
  for (auto* inbox : {teacher_events.get(), pupil_events.get()}) {
    events::v1::Event ended = inbox->Take(ChangeOf(events::v1::CallChange::kCallEnded));
    CHECK(ended.call_change().call_ended().end_reason() == v1::CALL_END_REASON_MEDIA_SERVER_LOST);
  }
  v1::GetCallResponse read;
  REQUIRE(f->Call(&Stub::GetCall, teacher, ForCall<v1::GetCallRequest>(call.id()), &read).ok());
  CHECK(read.call().state() == v1::CALL_STATE_ENDED);
  CHECK(read.call().end_reason() == v1::CALL_END_REASON_MEDIA_SERVER_LOST);

  v1::StartCallRequest start;
  start.set_chat_id(l.chat.id());
  start.set_request_id(NewUuidV7(absl::Now()));
  v1::StartCallResponse started;
  CHECK_REFUSED(f->Call(&Stub::StartCall, teacher, start, &started), FAILED_PRECONDITION,
                "NO_MEDIA_SERVER");

  // Back (a new process, without the old session): calls start on it again.
  f->janus().Start();
  REQUIRE(SignalingFixture::Eventually([&] {
    start.set_request_id(NewUuidV7(absl::Now()));
    return f->Call(&Stub::StartCall, teacher, start, &started).ok();
  }));
  CHECK(RoomOf(f->janus(), started.call().id()) != 0);
}

TEST_CASE("A restarted signaling process takes up its Janus session: the lesson goes on",
          "[signaling][sfu][integration]") {
  PARTA_SFU_FIXTURE(f, 1);
  Lesson l = MakeLesson(*f, 2);
  const std::string teacher = l.world.teacher, anna = l.pupils[0], boris = l.pupils[1];
  v1::Call call = Start(*f, teacher, l.chat.id());
  Join(*f, anna, call.id());
  Join(*f, boris, call.id());
  v1::PublishMediaResponse published;
  REQUIRE(f->Call(&Stub::PublishMedia, anna, Offer(call.id()), &published).ok());
  const uint64_t room = RoomOf(f->janus(), call.id());
  REQUIRE(room != 0);

  f->RestartSignaling();
  // The same session on Janus (no second one), the same people in the room.
  auto load = AdminOf(f->janus())->Load();
  REQUIRE(load.ok());
  CHECK(load->sessions == 1);
  CHECK(PeopleIn(f->janus(), room) == Sorted({teacher, anna, boris}));
  // What each has on Janus is known to the new process: Anna renegotiates her publication, the
  // teacher mutes her and removes Boris there.
  ::grpc::Status again = f->Call(&Stub::PublishMedia, anna, Offer(call.id()), &published);
  INFO(again.error_message());
  REQUIRE(again.ok());
  CHECK(absl::StartsWith(published.answer().sdp(), "v=0"));
  v1::ModerateParticipantRequest mute = Moderation(call.id(), anna);
  mute.set_mute_microphone(true);
  v1::ModerateParticipantResponse moderated;
  REQUIRE(f->Call(&Stub::ModerateParticipant, teacher, mute, &moderated).ok());
  v1::ModerateParticipantRequest remove = Moderation(call.id(), boris);
  remove.set_remove(true);
  REQUIRE(f->Call(&Stub::ModerateParticipant, teacher, remove, &moderated).ok());
  CHECK(PeopleIn(f->janus(), room) == Sorted({teacher, anna}));
  v1::GetCallResponse read;
  REQUIRE(f->Call(&Stub::GetCall, teacher, ForCall<v1::GetCallRequest>(call.id()), &read).ok());
  CHECK(read.call().state() == v1::CALL_STATE_LIVE);
}

TEST_CASE("Calls spread over two Janus instances, each new one on the less loaded",
          "[signaling][sfu][integration]") {
  PARTA_SFU_FIXTURE(f, 2);
  Lesson l = MakeLesson(*f, 1);
  const std::string teacher = l.world.teacher;
  // The teacher's groups with the pupil: meetings through the SFU, beside the lesson.
  std::vector<std::string> chats = {l.chat.id()};
  for (int i = 0; i < 4; ++i) {
    msg::CreateGroupChatRequest create;
    create.set_school_id(l.world.school_id);
    create.set_title(absl::StrCat("Кружок ", i + 1));
    create.add_member_ids(l.pupils[0]);
    msg::CreateGroupChatResponse created;
    REQUIRE(f->messaging()
                .Call(&msg::MessagingService::Stub::CreateGroupChat, teacher, create, &created)
                .ok());
    chats.push_back(created.chat().id());
  }

  std::vector<std::string> calls;
  for (size_t i = 0; i < 4; ++i) calls.push_back(Start(*f, teacher, chats[i]).id());
  // Each start put one person in its room: the instances take turns.
  for (size_t i = 0; i < calls.size(); ++i) {
    INFO("call " << i);
    CHECK(RoomOf(f->janus(i % 2), calls[i]) != 0);
    CHECK(RoomOf(f->janus(1 - i % 2), calls[i]) == 0);
  }
  CHECK(RoomsOf(f->janus(0)).size() == 2);
  CHECK(RoomsOf(f->janus(1)).size() == 2);

  // The first dies: its calls end, the others go on, and the next call goes to the second.
  auto teacher_events = f->Listen(teacher);
  f->janus(0).Kill();
  for (int i = 0; i < 2; ++i) {
    events::v1::Event ended = teacher_events->Take(ChangeOf(events::v1::CallChange::kCallEnded));
    CHECK(ended.call_change().call_ended().end_reason() == v1::CALL_END_REASON_MEDIA_SERVER_LOST);
  }
  for (size_t i = 0; i < calls.size(); ++i) {
    v1::GetCallResponse read;
    REQUIRE(f->Call(&Stub::GetCall, teacher, ForCall<v1::GetCallRequest>(calls[i]), &read).ok());
    CHECK(read.call().state() == (i % 2 == 0 ? v1::CALL_STATE_ENDED : v1::CALL_STATE_LIVE));
  }
  const std::string fifth = Start(*f, teacher, chats[4]).id();
  CHECK(RoomOf(f->janus(1), fifth) != 0);
}

}  // namespace
}  // namespace parta::signaling
