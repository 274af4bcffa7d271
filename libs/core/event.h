#pragma once

// A domain event of an outbox stream: numbered by the owner's per-stream sequence, carried by
// Redis, caught up from the owner by sequence.

#include <cstdint>
#include <string>

#include "absl/time/time.h"

namespace parta {

struct Event {
  std::string stream;  // e.g. "sessions", "school/0193…"
  int64_t sequence = 0;
  std::string type;     // full name of the payload's protobuf message
  std::string payload;  // the serialized message
  absl::Time created_at;
};

}  // namespace parta
