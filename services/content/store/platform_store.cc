#include "services/content/store/platform_store.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "libs/core/status.h"
#include "libs/pg/time.h"
#include "services/content/domain/scan_state.h"
#include "services/content/store/item_rows.h"

namespace parta::content {
namespace {

using google::protobuf::util::TimeUtil;

constexpr const char* kReportColumns =
    "id::text, item_id::text, reporter_id::text, category, comment, state, "
    "resolution, " PARTA_PG_US("created_at") ", coalesce(" PARTA_PG_US("resolved_at") ", 0)";

v1::ReportState ReportStateOf(const std::string& name) {
  if (name == "open") return v1::REPORT_STATE_OPEN;
  if (name == "dismissed") return v1::REPORT_STATE_DISMISSED;
  if (name == "upheld") return v1::REPORT_STATE_UPHELD;
  return v1::REPORT_STATE_UNSPECIFIED;
}

v1::ItemReport ReportOf(const pqxx::row& row) {
  v1::ItemReport report;
  report.set_id(row[0].as<std::string>());
  report.set_item_id(row[1].as<std::string>());
  report.set_reporter_user_id(row[2].as<std::string>());
  v1::ReportCategory category = v1::REPORT_CATEGORY_OTHER;
  v1::ReportCategory_Parse(row[3].as<std::string>(), &category);
  report.set_category(category);
  report.set_comment(row[4].as<std::string>());
  report.set_state(ReportStateOf(row[5].as<std::string>()));
  report.set_resolution(row[6].as<std::string>());
  *report.mutable_create_time() = TimeUtil::MicrosecondsToTimestamp(row[7].as<int64_t>());
  if (const int64_t resolved = row[8].as<int64_t>(); resolved != 0) {
    *report.mutable_resolve_time() = TimeUtil::MicrosecondsToTimestamp(resolved);
  }
  return report;
}

absl::Status ItemNotFound() { return NotFound("ITEM_NOT_FOUND", "no such item of yours"); }

absl::Status EntryNotFound() {
  return NotFound("PLATFORM_ENTRY_NOT_FOUND", "the item was not offered to the platform library");
}

// Locks an item of `owner` for the rest of the transaction; false when there is none.
bool LockOwnItem(pqxx::work& tx, const std::string& item_id, const std::string& owner) {
  return !tx.exec_params("SELECT 1 FROM items WHERE id = $1 AND owner_user_id = $2 FOR UPDATE",
                         item_id, owner)
              .empty();
}

v1::Item ItemNow(pqxx::work& tx, const std::string& item_id) {
  return ItemOf(tx.exec_params1(
      absl::StrCat("SELECT ", kItemColumns, kItemsWithNewestVersion, "WHERE i.id = $1"), item_id));
}

}  // namespace

absl::StatusOr<bool> PlatformStore::IsEditor(const std::string& user_id) {
  return pool_.ReadFor<bool>([&](pqxx::nontransaction& tx) -> absl::StatusOr<bool> {
    return !tx.exec_params("SELECT 1 FROM library_editors WHERE user_id = $1", user_id).empty();
  });
}

absl::Status PlatformStore::GrantEditor(const std::string& user_id, const std::string& granted_by,
                                        absl::Time now) {
  return pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    tx.exec_params(
        "INSERT INTO library_editors (user_id, granted_by, granted_at) "
        "VALUES ($1, $2, " PARTA_PG_TS("$3") ") ON CONFLICT DO NOTHING",
        user_id, granted_by, pg::ToMicros(now));
    return absl::OkStatus();
  });
}

absl::Status PlatformStore::RevokeEditor(const std::string& user_id) {
  return pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    if (tx.exec_params("DELETE FROM library_editors WHERE user_id = $1", user_id).affected_rows() ==
        0) {
      return NotFound("EDITOR_NOT_FOUND", "the person is not a library editor");
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<v1::Item> PlatformStore::Submit(const std::string& item_id, const std::string& owner,
                                               absl::Time now) {
  return pool_.TransactFor<v1::Item>([&](pqxx::work& tx) -> absl::StatusOr<v1::Item> {
    if (!LockOwnItem(tx, item_id, owner)) return ItemNotFound();
    tx.exec_params(
        "INSERT INTO platform_entries (item_id, state, submitted_by, submitted_at) "
        "VALUES ($1, 'submitted', $2, " PARTA_PG_TS("$3") ") "
        "ON CONFLICT (item_id) DO UPDATE SET state = 'submitted', submitted_by = $2, "
        "submitted_at = excluded.submitted_at, reviewed_by = NULL, reviewed_at = NULL, "
        "reason = '' WHERE platform_entries.state = 'rejected'",
        item_id, owner, pg::ToMicros(now));
    RefreshSearchWords(tx, item_id);
    return ItemNow(tx, item_id);
  });
}

absl::StatusOr<v1::Item> PlatformStore::Withdraw(const std::string& item_id,
                                                 const std::string& owner) {
  return pool_.TransactFor<v1::Item>([&](pqxx::work& tx) -> absl::StatusOr<v1::Item> {
    if (!LockOwnItem(tx, item_id, owner)) return ItemNotFound();
    if (tx.exec_params("DELETE FROM platform_entries WHERE item_id = $1", item_id)
            .affected_rows() == 0) {
      return EntryNotFound();
    }
    // Reports were about what the library showed; with the item gone from it they are moot.
    tx.exec_params(
        "UPDATE item_reports SET state = 'dismissed', resolution = 'withdrawn by its "
        "owner', resolved_at = now() WHERE item_id = $1 AND state = 'open'",
        item_id);
    return ItemNow(tx, item_id);
  });
}

absl::StatusOr<v1::Item> PlatformStore::Review(const std::string& item_id,
                                               const std::string& editor, bool publish,
                                               const std::string& reason,
                                               std::optional<absl::Time> seen, absl::Time now) {
  return pool_.TransactFor<v1::Item>([&](pqxx::work& tx) -> absl::StatusOr<v1::Item> {
    // The item's lock first, as every writer of an item takes it: a change racing the review
    // either comes before it (and the item is not the one the editor saw) or after it (and
    // sends the published item back to review).
    const pqxx::result item = tx.exec_params(
        "SELECT " PARTA_PG_US("updated_at") ", (SELECT scan_state FROM versions WHERE item_id = "
        "$1 ORDER BY number DESC LIMIT 1) FROM items WHERE id = $1 FOR UPDATE",
        item_id);
    if (item.empty()) return EntryNotFound();
    const pqxx::result entry =
        tx.exec_params("SELECT state FROM platform_entries WHERE item_id = $1", item_id);
    if (entry.empty()) return EntryNotFound();
    if (entry[0][0].as<std::string>() != "submitted") {
      return FailedPrecondition("NOT_SUBMITTED", "the item is not waiting for review");
    }
    if (seen && pg::ToMicros(*seen) != item[0][0].as<int64_t>()) {
      return FailedPrecondition("ITEM_CHANGED",
                                "the item changed since you looked at it: review it again");
    }
    if (publish && !item[0][1].is_null()) {
      RETURN_IF_ERROR(CheckServableToAll(ScanStateOf(item[0][1].as<std::string>())));
    }
    tx.exec_params(
        "UPDATE platform_entries SET state = $2, reviewed_by = $3, reviewed_at = " PARTA_PG_TS(
            "$4") ", reason = $5 WHERE item_id = $1",
        item_id, publish ? "published" : "rejected", editor, pg::ToMicros(now),
        publish ? "" : reason);
    return ItemNow(tx, item_id);
  });
}

absl::StatusOr<std::vector<v1::Item>> PlatformStore::Search(const Query& query) {
  return pool_.ReadFor<std::vector<v1::Item>>(
      [&](pqxx::nontransaction& tx) -> absl::StatusOr<std::vector<v1::Item>> {
        const pqxx::result rows = tx.exec_params(
            absl::StrCat("SELECT ", kItemColumns, kItemsWithNewestVersion,
                         "JOIN platform_entries e ON e.item_id = i.id AND e.state = $1 WHERE ",
                         kLibraryFilters, kLibraryRankOrder,
                         "e.reviewed_at DESC, i.id DESC OFFSET $7 LIMIT $8"),
            "published", query.query, query.subject, query.grade, query.max_age_label, query.kind,
            query.offset, query.limit);
        std::vector<v1::Item> items;
        for (const pqxx::row& row : rows) items.push_back(ItemOf(row));
        return items;
      });
}

absl::StatusOr<std::vector<std::pair<v1::Item, absl::Time>>> PlatformStore::ListByState(
    const std::string& state, const std::optional<EntryKey>& after, int limit) {
  using Page = std::vector<std::pair<v1::Item, absl::Time>>;
  return pool_.ReadFor<Page>([&](pqxx::nontransaction& tx) -> absl::StatusOr<Page> {
    const pqxx::result rows = tx.exec_params(
        absl::StrCat(
            "SELECT ", kItemColumns, ", ", PARTA_PG_US("e.submitted_at"), kItemsWithNewestVersion,
            "JOIN platform_entries e ON e.item_id = i.id AND e.state = $1 "
            "WHERE ($2 = '' OR (e.submitted_at, i.id) > (",
            PARTA_PG_TS("$3"), ", nullif($2, '')::uuid)) ORDER BY e.submitted_at, i.id LIMIT $4"),
        state, after ? after->item_id : "", after ? pg::ToMicros(after->submit_time) : 0, limit);
    Page page;
    for (const pqxx::row& row : rows) {
      page.emplace_back(ItemOf(row), pg::FromMicros(row[row.size() - 1].as<int64_t>()));
    }
    return page;
  });
}

absl::StatusOr<v1::ItemReport> PlatformStore::Report(const v1::ItemReport& report, absl::Time now) {
  return pool_.TransactFor<v1::ItemReport>([&](pqxx::work& tx) -> absl::StatusOr<v1::ItemReport> {
    if (tx.exec_params("SELECT 1 FROM platform_entries WHERE item_id = $1 "
                       "AND state = 'published' FOR SHARE",
                       report.item_id())
            .empty()) {
      return NotFound("ITEM_NOT_FOUND", "no such item in the platform library");
    }
    tx.exec_params(
            "INSERT INTO item_reports (id, item_id, reporter_id, category, comment, created_at, "
            "state) VALUES ($1, $2, $3, $4, $5, " PARTA_PG_TS("$6") ", 'open') "
            "ON CONFLICT (item_id, reporter_id) WHERE state = 'open' DO NOTHING",
            report.id(), report.item_id(), report.reporter_user_id(),
            v1::ReportCategory_Name(report.category()), report.comment(), pg::ToMicros(now));
    return ReportOf(
        tx.exec_params1(absl::StrCat("SELECT ", kReportColumns,
                                     " FROM item_reports WHERE item_id = $1 AND reporter_id = $2 "
                                     "AND state = 'open'"),
                        report.item_id(), report.reporter_user_id()));
  });
}

absl::StatusOr<std::vector<v1::ItemReport>> PlatformStore::OpenReports(
    const std::optional<ReportKey>& after, int limit) {
  return pool_.ReadFor<std::vector<v1::ItemReport>>(
      [&](pqxx::nontransaction& tx) -> absl::StatusOr<std::vector<v1::ItemReport>> {
        const pqxx::result rows = tx.exec_params(
            absl::StrCat("SELECT ", kReportColumns,
                         " FROM item_reports WHERE state = 'open' AND ($1 = '' OR "
                         "(created_at, id) > (",
                         PARTA_PG_TS("$2"),
                         ", nullif($1, '')::uuid)) ORDER BY created_at, id LIMIT $3"),
            after ? after->id : "", after ? pg::ToMicros(after->create_time) : 0, limit);
        std::vector<v1::ItemReport> reports;
        for (const pqxx::row& row : rows) reports.push_back(ReportOf(row));
        return reports;
      });
}

absl::StatusOr<v1::ItemReport> PlatformStore::Resolve(const std::string& report_id,
                                                      const std::string& editor, bool uphold,
                                                      const std::string& resolution,
                                                      absl::Time now) {
  return pool_.TransactFor<v1::ItemReport>([&](pqxx::work& tx) -> absl::StatusOr<v1::ItemReport> {
    const pqxx::result found =
        tx.exec_params("SELECT item_id::text, state FROM item_reports WHERE id = $1", report_id);
    if (found.empty()) return NotFound("REPORT_NOT_FOUND", "no such report");
    const std::string item_id = found[0][0].as<std::string>();
    // The item's lock before the report's, as Withdraw takes them.
    tx.exec_params("SELECT 1 FROM items WHERE id = $1 FOR UPDATE", item_id);
    const pqxx::result report =
        tx.exec_params("SELECT state FROM item_reports WHERE id = $1 FOR UPDATE", report_id);
    if (report.empty()) return NotFound("REPORT_NOT_FOUND", "no such report");
    if (report[0][0].as<std::string>() != "open") {
      return FailedPrecondition("REPORT_RESOLVED", "the report was resolved already");
    }
    const int64_t micros = pg::ToMicros(now);
    if (uphold) {
      tx.exec_params(
          "UPDATE platform_entries SET state = 'rejected', reason = $2, reviewed_by = $3, "
          "reviewed_at = " PARTA_PG_TS("$4") " WHERE item_id = $1",
          item_id, resolution, editor, micros);
      tx.exec_params(
          "UPDATE item_reports SET state = 'upheld', resolution = $2, "
          "resolved_by = $3, resolved_at = " PARTA_PG_TS(
              "$4") " WHERE item_id = $1 AND state = 'open'",
          item_id, resolution, editor, micros);
    } else {
      tx.exec_params(
          "UPDATE item_reports SET state = 'dismissed', resolution = $2, "
          "resolved_by = $3, resolved_at = " PARTA_PG_TS("$4") " WHERE id = $1",
          report_id, resolution, editor, micros);
    }
    return ReportOf(tx.exec_params1(
        absl::StrCat("SELECT ", kReportColumns, " FROM item_reports WHERE id = $1"), report_id));
  });
}

}  // namespace parta::content
