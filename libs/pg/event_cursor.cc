#include "libs/pg/event_cursor.h"

namespace parta::pg {

bool AdvanceCursor(pqxx::transaction_base& tx, const std::string& stream, int64_t sequence) {
  pqxx::result cursor = tx.exec_params(
      "INSERT INTO event_cursors (stream, sequence) VALUES ($1, 0) "
      "ON CONFLICT (stream) DO UPDATE SET sequence = event_cursors.sequence "
      "RETURNING sequence",
      stream);
  if (cursor[0][0].as<int64_t>() >= sequence) return false;
  tx.exec_params("UPDATE event_cursors SET sequence = $2 WHERE stream = $1", stream, sequence);
  return true;
}

absl::StatusOr<int64_t> ReadCursor(Pool& pool, const std::string& stream) {
  return pool.ReadFor<int64_t>([&](pqxx::nontransaction& tx) -> absl::StatusOr<int64_t> {
    pqxx::result rows =
        tx.exec_params("SELECT sequence FROM event_cursors WHERE stream = $1", stream);
    return rows.empty() ? 0 : rows[0][0].as<int64_t>();
  });
}

}  // namespace parta::pg
