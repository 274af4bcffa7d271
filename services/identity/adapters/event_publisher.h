#pragma once

// Publishes identity's outbox events (the relay's publish step): a SessionRevoked first marks
// the session revoked in Redis, where every service's token cache looks, and tells gateways on
// the user's channel to close the session's sockets; then every event is appended to the Redis
// stream `parta:events:identity` for other consumers.

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "libs/core/event.h"
#include "libs/redis/client.h"

namespace parta::identity {

// The default Redis stream key of identity's events (PARTA_IDENTITY_EVENTS_KEY).
inline constexpr char kIdentityEventsKey[] = "parta:events:identity";

class EventPublisher {
 public:
  // `revocation_ttl`: how long a revoked session's tokens can live (token lifetime + leeway).
  EventPublisher(redis::Pool& pool, std::string stream_key, absl::Duration revocation_ttl)
      : pool_(pool), stream_key_(std::move(stream_key)), revocation_ttl_(revocation_ttl) {}

  absl::Status Publish(const Event& event);

 private:
  redis::Pool& pool_;
  const std::string stream_key_;
  const absl::Duration revocation_ttl_;
};

}  // namespace parta::identity
