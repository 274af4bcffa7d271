#include "services/signaling/domain/policy.h"

#include "libs/core/status.h"

namespace parta::signaling {

using messaging::v1::Chat;

namespace {

bool Moderates(messaging::v1::ChatRole role) {
  return role == messaging::v1::CHAT_ROLE_MODERATOR || role == messaging::v1::CHAT_ROLE_OWNER;
}

}  // namespace

absl::Status MayStartCall(const Chat& chat) {
  if (chat.archived()) {
    return FailedPrecondition("CHAT_ARCHIVED", "an archived chat has no calls");
  }
  const messaging::v1::ChatRole role = chat.my_role();
  bool allowed = false;
  if (chat.kind() == messaging::v1::CHAT_KIND_DIRECT) {
    allowed = true;
  } else {
    switch (chat.settings().start_calls()) {
      case messaging::v1::AUDIENCE_EVERYONE:
        allowed = role == messaging::v1::CHAT_ROLE_MEMBER || Moderates(role);
        break;
      case messaging::v1::AUDIENCE_OWNER:
        // Roster chats have no owner: their moderators stand in.
        allowed = role == messaging::v1::CHAT_ROLE_OWNER ||
                  (chat.kind() != messaging::v1::CHAT_KIND_GROUP && Moderates(role));
        break;
      default:
        allowed = Moderates(role);
        break;
    }
  }
  if (!allowed) {
    return PermissionDenied("START_CALLS_NOT_ALLOWED",
                            "the chat's settings do not let the caller start calls");
  }
  return absl::OkStatus();
}

v1::CallRole RoleInCall(const Chat& chat, const std::string& user_id,
                        const std::string& host_id) {
  if (user_id == host_id) return v1::CALL_ROLE_HOST;
  if (chat.kind() != messaging::v1::CHAT_KIND_DIRECT && Moderates(chat.my_role())) {
    return v1::CALL_ROLE_CO_HOST;
  }
  return v1::CALL_ROLE_PARTICIPANT;
}

v1::CallTopology TopologyFor(const Chat& chat) {
  return chat.kind() == messaging::v1::CHAT_KIND_DIRECT ? v1::CALL_TOPOLOGY_PEER_TO_PEER
                                                        : v1::CALL_TOPOLOGY_SFU;
}

v1::CallProfile ProfileFor(const Chat& chat) {
  return chat.kind() == messaging::v1::CHAT_KIND_CLASS_STUDENTS ? v1::CALL_PROFILE_LESSON
                                                                : v1::CALL_PROFILE_MEETING;
}

int CapacityOf(v1::CallTopology topology, int sfu_limit) {
  return topology == v1::CALL_TOPOLOGY_PEER_TO_PEER ? 2 : sfu_limit;
}

}  // namespace parta::signaling
