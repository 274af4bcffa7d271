#pragma once

// Presence in Redis: a sorted set per user (`parta:presence-sockets:<user>`) whose members are
// the user's sockets on every gateway, scored by when their heartbeat expires. A user is online
// while a member's score is in the future; the key itself expires when no heartbeat renews it,
// so a crashed gateway's sockets fade out. Blocking: call from a worker thread.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/redis/client.h"

namespace parta::gateway {

struct UserPresence {
  bool online = false;
  absl::Time online_expire_time = absl::InfinitePast();  // when the newest heartbeat runs out
};

class PresenceStore {
 public:
  PresenceStore(redis::Pool& pool, absl::Duration ttl) : pool_(pool), ttl_(ttl) {}

  // Adds or renews a socket; true when the user was offline before.
  absl::StatusOr<bool> Connect(const std::string& user_id, const std::string& socket_id);
  // Removes a socket; true when the user is offline now.
  absl::StatusOr<bool> Disconnect(const std::string& user_id, const std::string& socket_id);
  // The presence of each user, in order.
  absl::StatusOr<std::vector<UserPresence>> Get(const std::vector<std::string>& user_ids);

  absl::Duration ttl() const { return ttl_; }

 private:
  redis::Pool& pool_;
  const absl::Duration ttl_;
};

}  // namespace parta::gateway
