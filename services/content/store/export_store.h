#pragma once

// Exports of people's data in Postgres: asked for, taken by a builder under a lease, built or
// failed, expired.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/pg/pool.h"
#include "parta/content/v1/content.pb.h"

namespace parta::content {

// An export a builder holds.
struct ClaimedExport {
  v1::DataExport row;
  int attempts = 0;  // this one included
};

class ExportStore {
 public:
  explicit ExportStore(pg::Pool& pool) : pool_(pool) {}

  // A new pending export, or the pending one of the same person asked by the same asker.
  absl::StatusOr<v1::DataExport> Ask(const std::string& id, const std::string& person_id,
                                     const std::string& requested_by, absl::Time now);
  // The export when `requested_by` asked for it.
  absl::StatusOr<std::optional<v1::DataExport>> Find(const std::string& requested_by,
                                                     const std::string& id);
  // `requested_by`'s exports, the newest first, after (`before_micros`, `before_id`) when given.
  absl::StatusOr<std::vector<v1::DataExport>> ListOf(const std::string& requested_by,
                                                     std::optional<int64_t> before_micros,
                                                     const std::string& before_id, int limit);
  // The oldest pending export no builder holds, held until `now + lease`.
  absl::StatusOr<std::optional<ClaimedExport>> Claim(absl::Time now, absl::Duration lease);
  absl::Status MarkReady(const std::string& id, const std::string& item_id,
                         const std::string& version_id, int64_t size, absl::Time now,
                         absl::Time expires_at);
  absl::Status MarkFailed(const std::string& id, const std::string& failure);
  // Lets a pending export go (its builder stopped short) for another try after `retry_at`.
  absl::Status Release(const std::string& id, absl::Time retry_at);
  // Up to `limit` built exports whose lifetime ended.
  absl::StatusOr<std::vector<v1::DataExport>> Expired(absl::Time now, int limit);
  absl::Status MarkExpired(const std::string& id);
  // The built exports of `person_id`'s data, whoever asked.
  absl::StatusOr<std::vector<v1::DataExport>> BuiltAbout(const std::string& person_id);
  // Every export of `person_id`'s data or asked by him goes.
  absl::Status Forget(const std::string& person_id);
  // The items that are archives of exports, among `item_ids`.
  absl::StatusOr<std::vector<std::string>> ArchiveItems(const std::vector<std::string>& item_ids);

 private:
  pg::Pool& pool_;
};

}  // namespace parta::content
