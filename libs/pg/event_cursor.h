#pragma once

// A consumer's position in another service's event stream, kept in the consumer's database so
// that applying an event and moving past it commit together: each event applies exactly once,
// whatever carried it (Redis, a catch-up read, a replay after a crash).
//
// The service's migrations create the table:
//
//   CREATE TABLE event_cursors (stream text PRIMARY KEY, sequence bigint NOT NULL);

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "libs/pg/pool.h"

namespace parta::pg {

// Moves the cursor of `stream` to `sequence` in the caller's transaction, holding its row lock
// until the transaction ends (replicas applying the same event queue here). False when the
// event was applied before: the caller applies nothing.
bool AdvanceCursor(pqxx::transaction_base& tx, const std::string& stream, int64_t sequence);

// The last sequence applied of `stream`; 0 when none.
absl::StatusOr<int64_t> ReadCursor(Pool& pool, const std::string& stream);

}  // namespace parta::pg
