#include "services/content/store/export_store.h"

#include "google/protobuf/util/time_util.h"
#include "libs/pg/arrays.h"
#include "libs/pg/time.h"

namespace parta::content {
namespace {

using google::protobuf::util::TimeUtil;

constexpr const char* kColumns =
    "id::text, person_id::text, requested_by::text, state, " PARTA_PG_US("created_at") ", "
    "coalesce(" PARTA_PG_US("ready_at") ", 0), coalesce(" PARTA_PG_US("expires_at") ", 0), "
    "coalesce(item_id::text, ''), coalesce(version_id::text, ''), coalesce(size, 0), failure, "
    "attempts";

v1::DataExportState StateOf(const std::string& state) {
  if (state == "ready") return v1::DATA_EXPORT_STATE_READY;
  if (state == "failed") return v1::DATA_EXPORT_STATE_FAILED;
  if (state == "expired") return v1::DATA_EXPORT_STATE_EXPIRED;
  return v1::DATA_EXPORT_STATE_PENDING;
}

v1::DataExport ExportOf(const pqxx::row& row) {
  v1::DataExport out;
  out.set_id(row[0].as<std::string>());
  out.set_person_id(row[1].as<std::string>());
  out.set_requested_by(row[2].as<std::string>());
  out.set_state(StateOf(row[3].as<std::string>()));
  *out.mutable_create_time() = TimeUtil::MicrosecondsToTimestamp(row[4].as<int64_t>());
  if (const int64_t ready = row[5].as<int64_t>(); ready != 0) {
    *out.mutable_ready_time() = TimeUtil::MicrosecondsToTimestamp(ready);
  }
  if (const int64_t expires = row[6].as<int64_t>(); expires != 0) {
    *out.mutable_expire_time() = TimeUtil::MicrosecondsToTimestamp(expires);
  }
  // An expired export's archive is gone: nothing to name.
  if (out.state() == v1::DATA_EXPORT_STATE_READY) {
    out.set_item_id(row[7].as<std::string>());
    out.set_version_id(row[8].as<std::string>());
    out.set_size_bytes(row[9].as<int64_t>());
  }
  out.set_failure(row[10].as<std::string>());
  return out;
}

std::vector<v1::DataExport> ExportsOf(const pqxx::result& rows) {
  std::vector<v1::DataExport> out;
  out.reserve(rows.size());
  for (const pqxx::row& row : rows) out.push_back(ExportOf(row));
  return out;
}

}  // namespace

absl::StatusOr<v1::DataExport> ExportStore::Ask(const std::string& id,
                                                const std::string& person_id,
                                                const std::string& requested_by, absl::Time now) {
  return pool_.TransactFor<v1::DataExport>([&](pqxx::work& tx) -> absl::StatusOr<v1::DataExport> {
    tx.exec_params("INSERT INTO data_exports (id, person_id, requested_by, state, created_at) "
                   "VALUES ($1, $2, $3, 'pending', " PARTA_PG_TS("$4") ") ON CONFLICT DO NOTHING",
                   id, person_id, requested_by, pg::ToMicros(now));
    const pqxx::result rows = tx.exec_params(
        std::string("SELECT ") + kColumns +
            " FROM data_exports WHERE requested_by = $1 AND person_id = $2 AND state = 'pending'",
        requested_by, person_id);
    return ExportOf(rows.at(0));
  });
}

absl::StatusOr<std::optional<v1::DataExport>> ExportStore::Find(const std::string& requested_by,
                                                                const std::string& id) {
  using Found = std::optional<v1::DataExport>;
  return pool_.ReadFor<Found>([&](pqxx::nontransaction& tx) -> absl::StatusOr<Found> {
    const pqxx::result rows = tx.exec_params(
        std::string("SELECT ") + kColumns + " FROM data_exports WHERE id = $1 AND requested_by = $2",
        id, requested_by);
    if (rows.empty()) return std::nullopt;
    return ExportOf(rows[0]);
  });
}

absl::StatusOr<std::vector<v1::DataExport>> ExportStore::ListOf(
    const std::string& requested_by, std::optional<int64_t> before_micros,
    const std::string& before_id, int limit) {
  using List = std::vector<v1::DataExport>;
  return pool_.ReadFor<List>([&](pqxx::nontransaction& tx) -> absl::StatusOr<List> {
    if (!before_micros) {
      return ExportsOf(tx.exec_params(
          std::string("SELECT ") + kColumns +
              " FROM data_exports WHERE requested_by = $1 ORDER BY created_at DESC, id DESC "
              "LIMIT $2",
          requested_by, limit));
    }
    return ExportsOf(tx.exec_params(
        std::string("SELECT ") + kColumns +
            " FROM data_exports WHERE requested_by = $1 AND (created_at, id) < (" PARTA_PG_TS("$2")
            ", $3::uuid) ORDER BY created_at DESC, id DESC LIMIT $4",
        requested_by, *before_micros, before_id, limit));
  });
}

absl::StatusOr<std::optional<ClaimedExport>> ExportStore::Claim(absl::Time now,
                                                                absl::Duration lease) {
  using Claimed = std::optional<ClaimedExport>;
  return pool_.TransactFor<Claimed>([&](pqxx::work& tx) -> absl::StatusOr<Claimed> {
    const pqxx::result rows = tx.exec_params(
        std::string("UPDATE data_exports SET lease_until = " PARTA_PG_TS("$2") ", "
                    "attempts = attempts + 1 WHERE id = (SELECT id FROM data_exports "
                    "WHERE state = 'pending' AND (lease_until IS NULL OR lease_until < "
                    PARTA_PG_TS("$1") ") ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED) "
                    "RETURNING ") + kColumns,
        pg::ToMicros(now), pg::ToMicros(now + lease));
    if (rows.empty()) return std::nullopt;
    return ClaimedExport{.row = ExportOf(rows[0]), .attempts = rows[0][11].as<int>()};
  });
}

absl::Status ExportStore::MarkReady(const std::string& id, const std::string& item_id,
                                    const std::string& version_id, int64_t size, absl::Time now,
                                    absl::Time expires_at) {
  return pool_.Transact([&](pqxx::work& tx) {
    tx.exec_params("UPDATE data_exports SET state = 'ready', item_id = $2, version_id = $3, "
                   "size = $4, ready_at = " PARTA_PG_TS("$5") ", expires_at = " PARTA_PG_TS("$6")
                   ", lease_until = NULL WHERE id = $1 AND state = 'pending'",
                   id, item_id, version_id, size, pg::ToMicros(now), pg::ToMicros(expires_at));
    return absl::OkStatus();
  });
}

absl::Status ExportStore::MarkFailed(const std::string& id, const std::string& failure) {
  return pool_.Transact([&](pqxx::work& tx) {
    tx.exec_params("UPDATE data_exports SET state = 'failed', failure = $2, lease_until = NULL "
                   "WHERE id = $1 AND state = 'pending'",
                   id, failure);
    return absl::OkStatus();
  });
}

absl::Status ExportStore::Release(const std::string& id, absl::Time retry_at) {
  return pool_.Transact([&](pqxx::work& tx) {
    tx.exec_params("UPDATE data_exports SET lease_until = " PARTA_PG_TS("$2")
                   " WHERE id = $1 AND state = 'pending'",
                   id, pg::ToMicros(retry_at));
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<v1::DataExport>> ExportStore::Expired(absl::Time now, int limit) {
  using List = std::vector<v1::DataExport>;
  return pool_.ReadFor<List>([&](pqxx::nontransaction& tx) -> absl::StatusOr<List> {
    return ExportsOf(tx.exec_params(
        std::string("SELECT ") + kColumns +
            " FROM data_exports WHERE state = 'ready' AND expires_at < " PARTA_PG_TS("$1")
            " ORDER BY expires_at LIMIT $2",
        pg::ToMicros(now), limit));
  });
}

absl::Status ExportStore::MarkExpired(const std::string& id) {
  return pool_.Transact([&](pqxx::work& tx) {
    tx.exec_params("UPDATE data_exports SET state = 'expired' WHERE id = $1 AND state = 'ready'",
                   id);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<v1::DataExport>> ExportStore::BuiltAbout(const std::string& person_id) {
  using List = std::vector<v1::DataExport>;
  return pool_.ReadFor<List>([&](pqxx::nontransaction& tx) -> absl::StatusOr<List> {
    return ExportsOf(tx.exec_params(std::string("SELECT ") + kColumns +
                                        " FROM data_exports WHERE person_id = $1 AND "
                                        "state = 'ready'",
                                    person_id));
  });
}

absl::Status ExportStore::Forget(const std::string& person_id) {
  return pool_.Transact([&](pqxx::work& tx) {
    tx.exec_params("DELETE FROM data_exports WHERE person_id = $1 OR requested_by = $1",
                   person_id);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<std::string>> ExportStore::ArchiveItems(
    const std::vector<std::string>& item_ids) {
  using Ids = std::vector<std::string>;
  return pool_.ReadFor<Ids>([&](pqxx::nontransaction& tx) -> absl::StatusOr<Ids> {
    Ids out;
    for (const pqxx::row& row :
         tx.exec_params("SELECT item_id::text FROM data_exports WHERE item_id = ANY($1::uuid[])",
                        pg::TextArray(item_ids))) {
      out.push_back(row[0].as<std::string>());
    }
    return out;
  });
}

}  // namespace parta::content
