#include "services/content/store/rendition_store.h"

#include "absl/strings/str_cat.h"
#include "libs/core/status.h"
#include "libs/pg/time.h"

namespace parta::content {
namespace {

// Locks the item of a version against deletion until the transaction ends (DeleteItem holds it
// for update while it collects the blobs to remove). False when the version is gone.
bool ShareItemOf(pqxx::work& tx, const std::string& version_id) {
  return !tx.exec_params(
                "SELECT 1 FROM items i JOIN versions v ON v.item_id = i.id "
                "WHERE v.id = $1 FOR SHARE OF i",
                version_id)
              .empty();
}

}  // namespace

absl::StatusOr<std::optional<RenditionStore::Job>> RenditionStore::Claim(absl::Time now,
                                                                         absl::Duration lease) {
  return pool_.TransactFor<std::optional<Job>>(
      [&](pqxx::work& tx) -> absl::StatusOr<std::optional<Job>> {
        // A job another instance is claiming right now is locked: passed by, never waited for.
        // One it claimed before has a lease that has not ended (checked again on the newest row
        // when a claim commits while this one reads).
        const pqxx::result rows = tx.exec_params(
            "WITH next AS ("
            "  SELECT j.version_id FROM rendition_jobs j JOIN versions v ON v.id = j.version_id "
            "  WHERE j.state = 'waiting' AND v.scan_state = 'clean' "
            "  AND (j.claimed_until IS NULL OR j.claimed_until <= " PARTA_PG_TS("$1") ") "
            "  ORDER BY j.queued_at, j.version_id LIMIT 1 FOR UPDATE OF j SKIP LOCKED) "
            "UPDATE rendition_jobs j SET claimed_until = " PARTA_PG_TS("$2") " "
            "FROM next, versions v WHERE j.version_id = next.version_id AND v.id = j.version_id "
            "RETURNING v.id::text, v.sha256, v.media_type, v.size",
            pg::ToMicros(now), pg::ToMicros(now + lease));
        if (rows.empty()) return std::nullopt;
        return Job{.version_id = rows[0][0].as<std::string>(),
                   .sha256 = rows[0][1].as<std::string>(),
                   .media_type = rows[0][2].as<std::string>(),
                   .size = rows[0][3].as<int64_t>()};
      });
}

absl::StatusOr<RenditionStore::Start> RenditionStore::Begin(const std::string& version_id,
                                                            int max_attempts) {
  return pool_.TransactFor<Start>([&](pqxx::work& tx) -> absl::StatusOr<Start> {
    if (!ShareItemOf(tx, version_id)) return Start::kGone;
    const pqxx::result job = tx.exec_params(
        "SELECT j.attempts, v.sha256 FROM rendition_jobs j JOIN versions v ON v.id = j.version_id "
        "WHERE j.version_id = $1 AND j.state = 'waiting' AND v.scan_state = 'clean' "
        "FOR UPDATE OF j",
        version_id);
    if (job.empty()) return Start::kGone;
    const int attempts = job[0][0].as<int>();
    const std::string sha256 = job[0][1].as<std::string>();

    // Identical bytes have identical renditions: those of another version are this one's too
    // (their blob rows are key-share-locked by the inserts, so they cannot go meanwhile).
    const pqxx::result twin = tx.exec_params(
        "SELECT r.version_id::text FROM renditions r JOIN versions v ON v.id = r.version_id "
        "WHERE v.sha256 = $1 AND r.version_id <> $2 LIMIT 1",
        sha256, version_id);
    if (!twin.empty()) {
      tx.exec_params(
          "INSERT INTO renditions (version_id, name, sha256, media_type, width, height, size, "
          "created_at) SELECT $1, name, sha256, media_type, width, height, size, created_at "
          "FROM renditions WHERE version_id = $2 ON CONFLICT DO NOTHING",
          version_id, twin[0][0].as<std::string>());
      tx.exec_params("UPDATE rendition_jobs SET state = 'done' WHERE version_id = $1", version_id);
      return Start::kAdopted;
    }
    const pqxx::result failed_twin = tx.exec_params(
        "SELECT j.error FROM rendition_jobs j JOIN versions v ON v.id = j.version_id "
        "WHERE v.sha256 = $1 AND j.state = 'failed' AND j.version_id <> $2 LIMIT 1",
        sha256, version_id);
    if (!failed_twin.empty()) {
      tx.exec_params("UPDATE rendition_jobs SET state = 'failed', error = $2 WHERE version_id = $1",
                     version_id, failed_twin[0][0].as<std::string>());
      return Start::kFailed;
    }
    if (attempts >= max_attempts) {
      tx.exec_params(
          "UPDATE rendition_jobs SET state = 'failed', error = $2 WHERE version_id = $1",
          version_id,
          absl::StrCat("given up after ", attempts, " attempts that ended without an answer"));
      return Start::kFailed;
    }
    tx.exec_params("UPDATE rendition_jobs SET attempts = attempts + 1 WHERE version_id = $1",
                   version_id);
    return Start::kRender;
  });
}

absl::Status RenditionStore::Fail(const std::string& version_id, const std::string& error) {
  return pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    tx.exec_params(
        "UPDATE rendition_jobs SET state = 'failed', error = $2 "
        "WHERE version_id = $1 AND state = 'waiting'",
        version_id, error);
    return absl::OkStatus();
  });
}

absl::Status RenditionStore::Save(const std::string& version_id,
                                  const std::vector<Made>& renditions, absl::Time now,
                                  const std::function<absl::Status(const Made&)>& promote) {
  return pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    if (!ShareItemOf(tx, version_id)) {
      return NotFound("VERSION_NOT_FOUND", "the version was deleted while it was rendered");
    }
    if (tx.exec_params("SELECT 1 FROM rendition_jobs WHERE version_id = $1 AND state = 'waiting' "
                       "FOR UPDATE",
                       version_id)
            .empty()) {
      return absl::OkStatus();
    }
    for (const Made& made : renditions) {
      // As an upload's completion: the blob row locked, a removal of the same bytes waits for
      // this commit (and then sees the rendition), or this waits for it and makes the file again.
      tx.exec_params("INSERT INTO blobs (sha256, size, created_at) VALUES ($1, $2, " PARTA_PG_TS(
                         "$3") ") ON CONFLICT (sha256) DO UPDATE SET size = EXCLUDED.size",
                     made.sha256, made.size, pg::ToMicros(now));
      RETURN_IF_ERROR(promote(made));
      tx.exec_params(
          "INSERT INTO renditions (version_id, name, sha256, media_type, width, height, size, "
          "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, " PARTA_PG_TS(
              "$8") ") ON CONFLICT (version_id, name) DO NOTHING",
          version_id, RenditionName(made.kind), made.sha256, made.media_type, made.width,
          made.height, made.size, pg::ToMicros(now));
    }
    tx.exec_params("UPDATE rendition_jobs SET state = 'done', error = '' WHERE version_id = $1",
                   version_id);
    return absl::OkStatus();
  });
}

}  // namespace parta::content
