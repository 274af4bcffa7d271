#pragma once

// Domain events through Redis Streams, following the rule "the owner's database is the log":
// the owner's outbox relay appends each event to a stream key; a consumer reads the key, keeps
// its own cursor per event stream (the outbox's per-stream sequence), drops duplicates, and
// fills any gap — events trimmed away, lost in a Redis restart, or older than the consumer —
// from the owner with `catch_up`. Redis only carries and wakes.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/core/event.h"
#include "libs/redis/client.h"

namespace parta::redis {

using StreamEvent = Event;

// XADD to `key`, trimming the key to about `max_length` entries.
absl::Status AppendEvent(Pool& pool, const std::string& key, const StreamEvent& event,
                         int64_t max_length = 100'000);

class EventConsumer {
 public:
  // Events of `stream` with sequence > `after`, in order, at most `limit`.
  using CatchUp = std::function<absl::StatusOr<std::vector<StreamEvent>>(
      const std::string& stream, int64_t after, int limit)>;
  // Applies one event; an error stops delivery (it is retried on the next poll).
  using Handler = std::function<absl::Status(const StreamEvent& event)>;

  EventConsumer(Pool& pool, std::string key, CatchUp catch_up, Handler handler);

  // Where to start for `stream` (the consumer's stored cursor); 0 means from the beginning.
  void SetCursor(const std::string& stream, int64_t sequence);
  int64_t cursor(const std::string& stream) const;

  // Reads what Redis holds after the last entry seen (waiting up to `block`) and delivers it.
  // After a Redis failure, every known stream is caught up from the owner first.
  absl::Status Poll(absl::Duration block);

  // Delivers everything of `stream` the owner has beyond the cursor.
  absl::Status CatchUpStream(const std::string& stream);

 private:
  absl::Status Deliver(const StreamEvent& event);

  Pool& pool_;
  const std::string key_;
  const CatchUp catch_up_;
  const Handler handler_;
  std::string last_entry_id_ = "0-0";
  std::map<std::string, int64_t> cursors_;
  bool resync_needed_ = false;
};

}  // namespace parta::redis
