#pragma once

// Publishes the directory's outbox events (the relay's publish step): the event's generation
// first advances the permission cache (so a change whose direct advance failed while Redis was
// down still voids stale answers once Redis is back), then the event is appended to the Redis
// stream `parta:events:directory` for consumers, who keep a cursor per school and catch up with
// ListEvents.

#include <string>

#include "absl/status/status.h"
#include "libs/core/event.h"
#include "libs/redis/client.h"
#include "services/directory/domain/ports.h"

namespace parta::directory {

inline constexpr char kDirectoryEventsKey[] = "parta:events:directory";

class EventPublisher {
 public:
  EventPublisher(redis::Pool& pool, PermissionCache& cache, std::string stream_key)
      : pool_(pool), cache_(cache), stream_key_(std::move(stream_key)) {}

  absl::Status Publish(const Event& event);

 private:
  redis::Pool& pool_;
  PermissionCache& cache_;
  const std::string stream_key_;
};

}  // namespace parta::directory
