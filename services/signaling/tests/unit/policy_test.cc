#include "services/signaling/domain/policy.h"

#include <catch2/catch.hpp>

#include "libs/core/status.h"

namespace parta::signaling {
namespace {

using messaging::v1::Chat;

Chat ChatOf(messaging::v1::ChatKind kind, messaging::v1::ChatRole role,
            messaging::v1::Audience start_calls = messaging::v1::AUDIENCE_UNSPECIFIED) {
  Chat chat;
  chat.set_kind(kind);
  chat.set_my_role(role);
  chat.mutable_settings()->set_start_calls(start_calls);
  return chat;
}

TEST_CASE("A class call is started by its teachers, and pupils may not start one",
          "[signaling][unit]") {
  using namespace messaging::v1;
  CHECK(MayStartCall(ChatOf(CHAT_KIND_CLASS_STUDENTS, CHAT_ROLE_MODERATOR)).ok());
  absl::Status pupil = MayStartCall(ChatOf(CHAT_KIND_CLASS_STUDENTS, CHAT_ROLE_MEMBER));
  CHECK(pupil.code() == absl::StatusCode::kPermissionDenied);
  CHECK(ReasonOf(pupil) == "START_CALLS_NOT_ALLOWED");
  // A chat that lets everyone start calls lets members, not readers.
  CHECK(MayStartCall(ChatOf(CHAT_KIND_GROUP, CHAT_ROLE_MEMBER, AUDIENCE_EVERYONE)).ok());
  CHECK(!MayStartCall(ChatOf(CHAT_KIND_CHANNEL, CHAT_ROLE_READER, AUDIENCE_EVERYONE)).ok());
  // A group's owner setting: its moderators may not; a roster chat's moderators stand in.
  CHECK(!MayStartCall(ChatOf(CHAT_KIND_GROUP, CHAT_ROLE_MODERATOR, AUDIENCE_OWNER)).ok());
  CHECK(MayStartCall(ChatOf(CHAT_KIND_GROUP, CHAT_ROLE_OWNER, AUDIENCE_OWNER)).ok());
  CHECK(MayStartCall(ChatOf(CHAT_KIND_STAFF, CHAT_ROLE_MODERATOR, AUDIENCE_OWNER)).ok());
  // Both people of a direct chat call each other.
  CHECK(MayStartCall(ChatOf(CHAT_KIND_DIRECT, CHAT_ROLE_MEMBER)).ok());
}

TEST_CASE("An archived chat has no calls", "[signaling][unit]") {
  Chat chat = ChatOf(messaging::v1::CHAT_KIND_CLASS_STUDENTS, messaging::v1::CHAT_ROLE_MODERATOR);
  chat.set_archived(true);
  absl::Status refused = MayStartCall(chat);
  CHECK(refused.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(ReasonOf(refused) == "CHAT_ARCHIVED");
}

TEST_CASE("Roles, topology and profile of a call follow its chat", "[signaling][unit]") {
  using namespace messaging::v1;
  Chat lesson = ChatOf(CHAT_KIND_CLASS_STUDENTS, CHAT_ROLE_MODERATOR);
  CHECK(RoleInCall(lesson, "t1", "t1") == v1::CALL_ROLE_HOST);
  CHECK(RoleInCall(lesson, "t2", "t1") == v1::CALL_ROLE_CO_HOST);
  CHECK(RoleInCall(ChatOf(CHAT_KIND_CLASS_STUDENTS, CHAT_ROLE_MEMBER), "s1", "t1") ==
        v1::CALL_ROLE_PARTICIPANT);
  CHECK(ProfileFor(lesson) == v1::CALL_PROFILE_LESSON);
  CHECK(ProfileFor(ChatOf(CHAT_KIND_CLASS_PARENTS, CHAT_ROLE_MEMBER)) == v1::CALL_PROFILE_MEETING);
  CHECK(TopologyFor(lesson) == v1::CALL_TOPOLOGY_SFU);
  Chat direct = ChatOf(CHAT_KIND_DIRECT, CHAT_ROLE_MEMBER);
  CHECK(TopologyFor(direct) == v1::CALL_TOPOLOGY_PEER_TO_PEER);
  CHECK(RoleInCall(direct, "b", "a") == v1::CALL_ROLE_PARTICIPANT);
  CHECK(CapacityOf(v1::CALL_TOPOLOGY_PEER_TO_PEER, 100) == 2);
  CHECK(CapacityOf(v1::CALL_TOPOLOGY_SFU, 100) == 100);
  CHECK(ControlsCall(v1::CALL_ROLE_CO_HOST));
  CHECK(!ControlsCall(v1::CALL_ROLE_GUEST));
}

}  // namespace
}  // namespace parta::signaling
