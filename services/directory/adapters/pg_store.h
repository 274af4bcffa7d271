#pragma once

// The directory's Postgres adapter (DirectoryStore): every table of migrations/, the per-school
// outbox stream "school/{id}" and the audit log.

#include <string>

#include "absl/strings/string_view.h"
#include "libs/pg/pool.h"
#include "services/directory/domain/ports.h"

namespace parta::directory {

// The outbox stream of a school's events.
std::string SchoolStream(absl::string_view school_id);

class PgDirectoryStore final : public DirectoryStore {
 public:
  explicit PgDirectoryStore(pg::Pool& pool) : pool_(pool) {}
  absl::Status Transact(const std::function<absl::Status(DirectoryTx&)>& work) override;
  absl::Status Read(const std::function<absl::Status(DirectoryTx&)>& work) override;
  absl::StatusOr<std::vector<Event>> ReadEvents(absl::string_view school_id, int64_t after_sequence,
                                                int limit) override;
  absl::StatusOr<int64_t> PurgeRequests(absl::Time before) override;
  absl::StatusOr<int64_t> PurgeAuditLog(absl::Time before) override;

 private:
  pg::Pool& pool_;
};

}  // namespace parta::directory
