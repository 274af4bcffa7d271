#pragma once

// Who may do what in a call, from the call's chat as its member sees it: who starts one, the
// part he takes in it, how its media flows and its rules. Pure functions.

#include "absl/status/status.h"
#include "parta/messaging/v1/model.pb.h"
#include "parta/signaling/v1/model.pb.h"

namespace parta::signaling {

// PERMISSION_DENIED `START_CALLS_NOT_ALLOWED` unless the chat's `start_calls` setting includes
// the caller (unset: moderators; a direct chat's two people always may); FAILED_PRECONDITION
// `CHAT_ARCHIVED` for an archived chat.
absl::Status MayStartCall(const messaging::v1::Chat& chat);

// The part of a member of `chat` in a call `host_id` started.
v1::CallRole RoleInCall(const messaging::v1::Chat& chat, const std::string& user_id,
                        const std::string& host_id);

// Hosts and co-hosts control a call.
inline bool ControlsCall(v1::CallRole role) {
  return role == v1::CALL_ROLE_HOST || role == v1::CALL_ROLE_CO_HOST;
}

// A direct chat's call is peer to peer; every other goes through the SFU.
v1::CallTopology TopologyFor(const messaging::v1::Chat& chat);

// A class students' chat's call is a lesson; every other a meeting.
v1::CallProfile ProfileFor(const messaging::v1::Chat& chat);

// How many people a call takes at once: two peer to peer, `sfu_limit` through the SFU.
int CapacityOf(v1::CallTopology topology, int sfu_limit);

}  // namespace parta::signaling
