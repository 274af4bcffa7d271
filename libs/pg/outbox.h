#pragma once

// The transactional outbox ("the owner's database is the log"). A service appends events
// in the same transaction as the change they describe, numbered by a per-stream sequence taken
// under the stream's row lock, so a stream's events are gap-free and ordered like its commits.
// A relay publishes what is unpublished (at least once); consumers catch up by sequence.
//
// The service's migrations create the two tables:
//
//   CREATE TABLE outbox_streams (stream text PRIMARY KEY, last_sequence bigint NOT NULL);
//   CREATE TABLE outbox (
//     stream text NOT NULL, sequence bigint NOT NULL, event_type text NOT NULL,
//     payload bytea NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),
//     published_at timestamptz, PRIMARY KEY (stream, sequence));
//   CREATE INDEX outbox_unpublished ON outbox (stream, sequence) WHERE published_at IS NULL;

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/core/event.h"
#include "libs/core/periodic.h"
#include "libs/pg/pool.h"

namespace parta::pg {

// Appends an event in the caller's transaction; returns its sequence in `stream`.
int64_t AppendToOutbox(pqxx::transaction_base& tx, const std::string& stream,
                       const std::string& type, const std::string& payload);

// Appends an event whose sequence the owner has taken itself (a row of its own, such as a chat's
// `last_sequence`, locked in this transaction): for streams that are also the owner's log.
void AppendNumberedToOutbox(pqxx::transaction_base& tx, const std::string& stream, int64_t sequence,
                            const std::string& type, const std::string& payload);

// Events of `stream` after `after_sequence`, in order (the catch-up read).
absl::StatusOr<std::vector<Event>> ReadOutbox(Pool& pool, const std::string& stream,
                                              int64_t after_sequence, int limit);

class OutboxRelay {
 public:
  using Publish = std::function<absl::Status(const Event& event)>;

  OutboxRelay(Pool& pool, Publish publish, int batch_size = 500);

  // Publishes a batch of unpublished events in (stream, sequence) order and marks them
  // published. Stops at the first failed publish (the rest is retried next time). One replica
  // relays at a time (an advisory lock; the others return 0). Delivery is at least once: an
  // event published just before a failed commit (or a crash that loses the mark, which is
  // committed without waiting for the disk) is published again. Returns how many were
  // published.
  absl::StatusOr<int> RelayOnce();

  // Deletes published events older than `age` (catch-up reaches back this far), of the streams
  // whose names start with `stream_prefix` (all when empty).
  absl::StatusOr<int64_t> Purge(absl::Duration age, const std::string& stream_prefix = "");

 private:
  Pool& pool_;
  const Publish publish_;
  const int batch_size_;
};

// Runs `relay` every `interval` until the task is stopped or destroyed. While publishing fails
// (Redis down) the events wait in the outbox; that is logged once per outage, not per poll.
std::unique_ptr<PeriodicTask> RelayPeriodically(OutboxRelay& relay, absl::Duration interval);

}  // namespace parta::pg
