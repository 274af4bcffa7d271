#pragma once

// Names of the Redis pub/sub channels that carry real-time events (parta.events.v1.Envelope),
// shared by the services that publish and the gateway that follows.

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace parta::realtime {

// A user's own channel: events for him and control messages for gateways (follow, unfollow,
// session ended). Every socket of the user follows it.
inline std::string UserChannel(absl::string_view user_id) {
  return absl::StrCat("parta:user:", user_id);
}

// Where a user's online/offline changes are published.
inline std::string PresenceChannel(absl::string_view user_id) {
  return absl::StrCat("parta:presence:", user_id);
}

// A chat's channel: its changes, in the chat's sequence order (parta.messaging.v1).
inline std::string ChatChannel(absl::string_view chat_id) {
  return absl::StrCat("parta:chat:", chat_id);
}

// The user id of a user channel, or "" when `channel` is not one.
inline absl::string_view UserOfChannel(absl::string_view channel) {
  constexpr absl::string_view kPrefix = "parta:user:";
  if (channel.substr(0, kPrefix.size()) != kPrefix) return {};
  return channel.substr(kPrefix.size());
}

}  // namespace parta::realtime
