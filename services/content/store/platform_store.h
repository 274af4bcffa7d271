#pragma once

// The platform library («Библиотека ЦОК») in Postgres: its editors, the items offered to it and
// their reviews, and readers' reports on what it shows.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/pg/pool.h"
#include "parta/content/v1/content.pb.h"

namespace parta::content {

class PlatformStore {
 public:
  explicit PlatformStore(pg::Pool& pool) : pool_(pool) {}

  absl::StatusOr<bool> IsEditor(const std::string& user_id);
  // Idempotent.
  absl::Status GrantEditor(const std::string& user_id, const std::string& granted_by,
                           absl::Time now);
  // NOT_FOUND `EDITOR_NOT_FOUND`.
  absl::Status RevokeEditor(const std::string& user_id);

  // Offers an item of `owner` for review: a draft or a rejected item becomes submitted; a
  // submitted or published one stays as it is (NOT_FOUND `ITEM_NOT_FOUND`).
  absl::StatusOr<v1::Item> Submit(const std::string& item_id, const std::string& owner,
                                  absl::Time now);
  // Takes an item of `owner` back to a draft (NOT_FOUND `ITEM_NOT_FOUND`,
  // `PLATFORM_ENTRY_NOT_FOUND`).
  absl::StatusOr<v1::Item> Withdraw(const std::string& item_id, const std::string& owner);
  // An editor's decision on a submitted item (NOT_FOUND `PLATFORM_ENTRY_NOT_FOUND`,
  // FAILED_PRECONDITION `NOT_SUBMITTED`). Publishing needs the item as the editor saw it
  // (`seen`, its update_time: FAILED_PRECONDITION `ITEM_CHANGED` otherwise) and its newest
  // version clean (`VERSION_NOT_SCANNED`, `VERSION_QUARANTINED`).
  absl::StatusOr<v1::Item> Review(const std::string& item_id, const std::string& editor,
                                  bool publish, const std::string& reason,
                                  std::optional<absl::Time> seen, absl::Time now);

  // Published items found by `query` like a school's library (same filters), best first, or
  // most recently published first without one.
  struct Query {
    std::string query;
    std::string subject;
    int grade = 0;
    int max_age_label = 0;
    std::string kind;
    int offset = 0;
    int limit = 20;
  };
  absl::StatusOr<std::vector<v1::Item>> Search(const Query& query);

  // Items in `state`, oldest submission first, after (submitted_at, id) of `after`.
  struct EntryKey {
    absl::Time submit_time;
    std::string item_id;
  };
  absl::StatusOr<std::vector<std::pair<v1::Item, absl::Time>>> ListByState(
      const std::string& state, const std::optional<EntryKey>& after, int limit);

  // Records a reader's report on a published item (NOT_FOUND `ITEM_NOT_FOUND` otherwise), or
  // answers his open report on it.
  absl::StatusOr<v1::ItemReport> Report(const v1::ItemReport& report, absl::Time now);
  // Open reports, oldest first, after (created_at, id) of `after`.
  struct ReportKey {
    absl::Time create_time;
    std::string id;
  };
  absl::StatusOr<std::vector<v1::ItemReport>> OpenReports(const std::optional<ReportKey>& after,
                                                          int limit);
  // Dismisses a report, or upholds it: the item becomes rejected with `resolution` as its
  // reason and its other open reports are upheld with it (NOT_FOUND `REPORT_NOT_FOUND`,
  // FAILED_PRECONDITION `REPORT_RESOLVED`).
  absl::StatusOr<v1::ItemReport> Resolve(const std::string& report_id, const std::string& editor,
                                         bool uphold, const std::string& resolution,
                                         absl::Time now);

 private:
  pg::Pool& pool_;
};

}  // namespace parta::content
