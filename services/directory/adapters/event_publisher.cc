#include "services/directory/adapters/event_publisher.h"

#include "libs/core/status.h"
#include "libs/redis/streams.h"
#include "parta/directory/v1/directory.pb.h"

namespace parta::directory {

absl::Status EventPublisher::Publish(const Event& event) {
  v1::DirectoryEvent parsed;
  if (!parsed.ParseFromString(event.payload)) {
    return Internal("BAD_EVENT", "a directory event does not parse");
  }
  RETURN_IF_ERROR(cache_.Advance(parsed.school_id(), parsed.generation()));
  return redis::AppendEvent(pool_, stream_key_, event);
}

}  // namespace parta::directory
