#include "services/content/store/content_store.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/time_util.h"
#include "libs/core/status.h"
#include "libs/pg/event_cursor.h"
#include "libs/pg/time.h"
#include "services/content/domain/media_types.h"
#include "services/content/store/item_rows.h"
#include "services/content/store/rendition_rows.h"
#include "services/content/store/school_quota.h"

namespace parta::content {
namespace {

constexpr const char* kUploadColumns =
    "id::text, owner_user_id::text, coalesce(item_id::text, ''), file_name, size, "
    "declared_media_type, committed, held_end, coalesce(version_id::text, ''), " PARTA_PG_US(
        "created_at") ", " PARTA_PG_US("expires_at");

UploadRow UploadOf(const pqxx::row& row) {
  return UploadRow{.id = row[0].as<std::string>(),
                   .owner_user_id = row[1].as<std::string>(),
                   .item_id = row[2].as<std::string>(),
                   .file_name = row[3].as<std::string>(),
                   .size = row[4].as<int64_t>(),
                   .declared_media_type = row[5].as<std::string>(),
                   .committed = row[6].as<int64_t>(),
                   .held_end = row[7].as<int64_t>(),
                   .version_id = row[8].as<std::string>(),
                   .create_time = pg::FromMicros(row[9].as<int64_t>()),
                   .expire_time = pg::FromMicros(row[10].as<int64_t>())};
}

absl::Status UploadNotFound() {
  return NotFound("UPLOAD_NOT_FOUND", "no such upload: it never was, expired, or is not yours");
}

absl::Status ItemNotFound() { return NotFound("ITEM_NOT_FOUND", "no such item of yours"); }

absl::Status QuotaExceeded(int64_t used, int64_t size, int64_t quota) {
  return ResourceExhausted(
      "QUOTA_EXCEEDED",
      absl::StrCat("the file needs ", size, " bytes; ", std::max<int64_t>(0, quota - used),
                   " of the quota of ", quota, " bytes are free"));
}

}  // namespace

void LockQuota(pqxx::work& tx, const std::string& owner) {
  tx.exec_params("SELECT pg_advisory_xact_lock(hashtextextended('content-quota:' || $1, 0))",
                 owner);
}

int64_t SpaceUsed(pqxx::work& tx, const std::string& owner, const std::string& except_upload) {
  return tx
      .exec_params1(
          "SELECT (SELECT coalesce(sum(v.size), 0) FROM versions v JOIN items i "
          "        ON i.id = v.item_id WHERE i.owner_user_id = $1)"
          "     + (SELECT coalesce(sum(size), 0) FROM uploads WHERE owner_user_id = $1 "
          "        AND version_id IS NULL AND id::text <> $2)"
          "     + (SELECT coalesce(sum(octet_length(a.body_html) + octet_length(a.body_text)), 0) "
          "        FROM articles a JOIN items i ON i.id = a.item_id WHERE i.owner_user_id = $1)"
          "     + (SELECT coalesce(sum(octet_length(link_url)), 0) FROM items "
          "        WHERE owner_user_id = $1 AND link_url IS NOT NULL)",
          owner, except_upload)[0]
      .as<int64_t>();
}

absl::StatusOr<UploadRow> ContentStore::CreateUpload(const UploadRow& upload, const RetryKey& key,
                                                     const Quotas& quotas) {
  return pool_.TransactFor<UploadRow>([&](pqxx::work& tx) -> absl::StatusOr<UploadRow> {
    LockQuota(tx, upload.owner_user_id);
    const pqxx::result earlier =
        tx.exec_params(absl::StrCat("SELECT ", kUploadColumns,
                                    ", request_fingerprint FROM uploads "
                                    "WHERE owner_user_id = $1 AND request_id = $2"),
                       upload.owner_user_id, key.request_id);
    if (!earlier.empty()) {
      if (pqxx::binarystring(earlier[0][11]).str() != key.fingerprint) {
        return AlreadyExists("REQUEST_ID_REUSED",
                             "this request id started an upload of another file");
      }
      return UploadOf(earlier[0]);
    }
    if (!upload.item_id.empty()) {
      const pqxx::result target =
          tx.exec_params("SELECT kind FROM items WHERE id = $1 AND owner_user_id = $2 FOR UPDATE",
                         upload.item_id, upload.owner_user_id);
      if (target.empty()) return ItemNotFound();
      const std::string kind = target[0][0].as<std::string>();
      if (kind == KindName(v1::ITEM_KIND_ARTICLE) || kind == KindName(v1::ITEM_KIND_LINK)) {
        return FailedPrecondition("WRONG_ITEM_KIND", "an article or a link has no versions");
      }
      // A new version of an item schools show takes its place in their libraries.
      RETURN_IF_ERROR(CheckSchoolQuota(tx, upload.item_id, upload.size, quotas.school));
    }
    const int64_t used = SpaceUsed(tx, upload.owner_user_id, "");
    if (used + upload.size > quotas.user) return QuotaExceeded(used, upload.size, quotas.user);
    if (tx.exec_params1("SELECT count(*) FROM uploads WHERE owner_user_id = $1 "
                        "AND version_id IS NULL",
                        upload.owner_user_id)[0]
            .as<int>() >= kMaxOpenUploads) {
      return ResourceExhausted(
          "TOO_MANY_UPLOADS",
          absl::StrCat("at most ", kMaxOpenUploads, " uploads may be unfinished at once"));
    }
    const pqxx::row row = tx.exec_params1(
        absl::StrCat("INSERT INTO uploads (id, owner_user_id, request_id, request_fingerprint, "
                     "item_id, file_name, size, declared_media_type, created_at, expires_at) "
                     "VALUES ($1, $2, $3, $4, nullif($5, '')::uuid, $6, $7, $8, ",
                     PARTA_PG_TS("$9"), ", ", PARTA_PG_TS("$10"), ") RETURNING ", kUploadColumns),
        upload.id, upload.owner_user_id, key.request_id, pqxx::binarystring(key.fingerprint),
        upload.item_id, upload.file_name, upload.size, upload.declared_media_type,
        pg::ToMicros(upload.create_time), pg::ToMicros(upload.expire_time));
    return UploadOf(row);
  });
}

absl::StatusOr<UploadRow> ContentStore::GetUpload(const std::string& id, const std::string& owner,
                                                  absl::Time now) {
  return pool_.ReadFor<UploadRow>([&](pqxx::nontransaction& tx) -> absl::StatusOr<UploadRow> {
    const pqxx::result rows =
        tx.exec_params(absl::StrCat("SELECT ", kUploadColumns,
                                    " FROM uploads WHERE id = $1 AND owner_user_id = $2 "
                                    "AND expires_at > ",
                                    PARTA_PG_TS("$3")),
                       id, owner, pg::ToMicros(now));
    if (rows.empty()) return UploadNotFound();
    return UploadOf(rows[0]);
  });
}

absl::StatusOr<UploadRow> ContentStore::ChangeUpload(
    const std::string& id, const std::string& owner, absl::Time now,
    const std::function<absl::StatusOr<Offsets>(const UploadRow&)>& change) {
  // The change writes to the staging file: a retry of the transaction writes the same bytes at
  // the same place again, which is harmless.
  return pool_.TransactFor<UploadRow>([&](pqxx::work& tx) -> absl::StatusOr<UploadRow> {
    const pqxx::result rows =
        tx.exec_params(absl::StrCat("SELECT ", kUploadColumns,
                                    " FROM uploads WHERE id = $1 AND owner_user_id = $2 "
                                    "AND expires_at > ",
                                    PARTA_PG_TS("$3"), " FOR UPDATE"),
                       id, owner, pg::ToMicros(now));
    if (rows.empty()) return UploadNotFound();
    UploadRow upload = UploadOf(rows[0]);
    absl::StatusOr<Offsets> offsets = change(upload);
    if (!offsets.ok()) return offsets.status();
    tx.exec_params("UPDATE uploads SET committed = $2, held_end = $3 WHERE id = $1", id,
                   offsets->committed, offsets->held_end);
    upload.committed = offsets->committed;
    upload.held_end = offsets->held_end;
    return upload;
  });
}

absl::Status ContentStore::CancelUpload(const std::string& id, const std::string& owner,
                                        absl::Time now,
                                        const std::function<absl::Status()>& remove_bytes) {
  return pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    const pqxx::result rows = tx.exec_params(
        "SELECT version_id IS NOT NULL FROM uploads WHERE id = $1 AND owner_user_id = $2 "
        "AND expires_at > " PARTA_PG_TS("$3") " FOR UPDATE",
        id, owner, pg::ToMicros(now));
    if (rows.empty()) return UploadNotFound();
    if (rows[0][0].as<bool>()) {
      return FailedPrecondition("UPLOAD_COMPLETE", "the upload is complete: delete its item");
    }
    RETURN_IF_ERROR(remove_bytes());
    tx.exec_params("DELETE FROM uploads WHERE id = $1", id);
    return absl::OkStatus();
  });
}

absl::StatusOr<v1::Item> ContentStore::CompleteUpload(
    const UploadRow& upload, const CompletedBytes& bytes, const Quotas& quotas,
    const std::string& item_id, const std::string& version_id, absl::Time now,
    const std::function<absl::Status()>& promote) {
  return pool_.TransactFor<v1::Item>([&](pqxx::work& tx) -> absl::StatusOr<v1::Item> {
    LockQuota(tx, upload.owner_user_id);
    const pqxx::result current = tx.exec_params(
        "SELECT coalesce(version_id::text, ''), committed FROM uploads WHERE id = $1 FOR UPDATE",
        upload.id);
    if (current.empty()) return UploadNotFound();
    if (const std::string done = current[0][0].as<std::string>(); !done.empty()) {
      const pqxx::result item =
          tx.exec_params(absl::StrCat("SELECT ", kItemColumns, kItemsWithNewestVersion,
                                      "WHERE i.id = (SELECT item_id FROM versions WHERE id = $1)"),
                         done);
      if (item.empty()) return ItemNotFound();
      return ItemOf(item[0]);
    }
    if (current[0][1].as<int64_t>() != upload.size) {
      return FailedPrecondition("UPLOAD_INCOMPLETE", "the upload has not arrived whole");
    }
    const int64_t used = SpaceUsed(tx, upload.owner_user_id, upload.id);
    if (used + upload.size > quotas.user) return QuotaExceeded(used, upload.size, quotas.user);
    if (!upload.item_id.empty()) {
      // The item before the schools, as every path that grows a library takes them.
      tx.exec_params("SELECT 1 FROM items WHERE id = $1 FOR UPDATE", upload.item_id);
      RETURN_IF_ERROR(CheckSchoolQuota(tx, upload.item_id, upload.size, quotas.school));
    }

    // The item before the blob: nothing is put in place for an item deleted meanwhile.
    const std::string kind = KindName(KindOf(bytes.media_type));
    std::string item = upload.item_id;
    int number = 1;
    if (item.empty()) {
      item = item_id;
      tx.exec_params(
          "INSERT INTO items (id, owner_user_id, kind, title, created_at, updated_at) "
          "VALUES ($1, $2, $3, $4, " PARTA_PG_TS("$5") ", " PARTA_PG_TS("$5") ")",
          item, upload.owner_user_id, kind, upload.file_name, pg::ToMicros(now));
    } else {
      const pqxx::result locked = tx.exec_params(
          "UPDATE items SET kind = $2, updated_at = " PARTA_PG_TS("$3")
          " WHERE id = $1 RETURNING (SELECT coalesce(max(number), 0) + 1 FROM versions "
          "WHERE item_id = $1)",
          item, kind, pg::ToMicros(now));
      if (locked.empty()) return ItemNotFound();  // deleted while the upload ran
      number = locked[0][0].as<int>();
    }

    // The blob row, locked: a removal of the same bytes waits for this commit, or this waits
    // for its end and makes the row (and the file) again. DO UPDATE is what waits for a
    // removal holding the row, inserts anew once it is gone, and locks the row either way.
    tx.exec_params("INSERT INTO blobs (sha256, size, created_at) VALUES ($1, $2, " PARTA_PG_TS(
                       "$3") ") ON CONFLICT (sha256) DO UPDATE SET size = EXCLUDED.size",
                   bytes.sha256, upload.size, pg::ToMicros(now));
    RETURN_IF_ERROR(promote());

    // Bytes scanned before keep their verdict: a scan is of the bytes, not of the version. An
    // infected verdict wins, and holds even where scanning is off now.
    tx.exec_params("INSERT INTO versions (id, item_id, number, file_name, size, media_type, "
                   "sha256, scan_state, scan_signature, uploader_id, created_at, text_content) "
                   "SELECT $1::uuid, $2::uuid, $3::int, $4::text, $5::bigint, $6::text, $7::text, "
                   "coalesce(known.scan_state, $8::text), coalesce(known.scan_signature, ''), "
                   "$9::uuid, " PARTA_PG_TS("$10::bigint") ", $11::text"
                   " FROM (SELECT 1) one LEFT JOIN LATERAL (SELECT scan_state, scan_signature "
                   "FROM versions WHERE sha256 = $7::text AND scan_state <> 'pending' "
                   "ORDER BY scan_state = 'infected' DESC LIMIT 1) known ON true",
                   version_id, item, number, upload.file_name, upload.size, bytes.media_type,
                   bytes.sha256, ScanStateName(bytes.scan_state), upload.owner_user_id,
                   pg::ToMicros(now), bytes.text);
    tx.exec_params("UPDATE uploads SET version_id = $2 WHERE id = $1", upload.id, version_id);
    RefreshSearchWords(tx, item);
    const pqxx::row made = tx.exec_params1(
        absl::StrCat("SELECT ", kItemColumns, kItemsWithNewestVersion, "WHERE i.id = $1"), item);
    return ItemOf(made);
  });
}

absl::Status ContentStore::DropUpload(const std::string& id,
                                      const std::function<absl::Status()>& remove_bytes) {
  return pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    if (tx.exec_params("SELECT 1 FROM uploads WHERE id = $1 AND version_id IS NULL FOR UPDATE", id)
            .empty()) {
      return absl::OkStatus();
    }
    RETURN_IF_ERROR(remove_bytes());
    tx.exec_params("DELETE FROM uploads WHERE id = $1", id);
    return absl::OkStatus();
  });
}

absl::StatusOr<UploadRow> ContentStore::RewindUpload(const std::string& id, int64_t offset) {
  return pool_.TransactFor<UploadRow>([&](pqxx::work& tx) -> absl::StatusOr<UploadRow> {
    const pqxx::result rows = tx.exec_params(
        absl::StrCat("UPDATE uploads SET committed = least(committed, $2), "
                     "held_end = least(committed, $2) WHERE id = $1 AND version_id IS NULL "
                     "RETURNING ",
                     kUploadColumns),
        id, offset);
    if (rows.empty()) return UploadNotFound();
    return UploadOf(rows[0]);
  });
}

absl::StatusOr<v1::Item> ContentStore::GetItem(const std::string& item_id,
                                               const std::string& owner) {
  return pool_.ReadFor<v1::Item>([&](pqxx::nontransaction& tx) -> absl::StatusOr<v1::Item> {
    // An article's body comes with the item read alone, never in lists (it may be large).
    const pqxx::result rows = tx.exec_params(
        absl::StrCat("SELECT ", kItemColumns,
                     ", (SELECT body_html FROM articles WHERE item_id = i.id) AS article_html",
                     kItemsWithNewestVersion, "WHERE i.id = $1 AND i.owner_user_id = $2"),
        item_id, owner);
    if (rows.empty()) return ItemNotFound();
    v1::Item item = ItemOf(rows[0]);
    if (const pqxx::field body = rows[0]["article_html"]; !body.is_null()) {
      item.set_article_html(body.as<std::string>());
    }
    return item;
  });
}

absl::StatusOr<std::vector<v1::Item>> ContentStore::ListItems(const std::string& owner,
                                                              const std::string& folder_id,
                                                              const std::optional<ItemKey>& after,
                                                              int limit) {
  return pool_.ReadFor<std::vector<v1::Item>>(
      [&](pqxx::nontransaction& tx) -> absl::StatusOr<std::vector<v1::Item>> {
        const pqxx::result rows =
            tx.exec_params(absl::StrCat("SELECT ", kItemColumns, kItemsWithNewestVersion,
                                        "WHERE i.owner_user_id = $1 "
                                        "AND i.folder_id IS NOT DISTINCT FROM nullif($5, '')::uuid "
                                        "AND ($2 = '' OR (i.created_at, i.id) < (",
                                        PARTA_PG_TS("$3"),
                                        ", nullif($2, '')::uuid)) "
                                        "ORDER BY i.created_at DESC, i.id DESC LIMIT $4"),
                           owner, after ? after->id : "",
                           after ? pg::ToMicros(after->create_time) : 0, limit, folder_id);
        std::vector<v1::Item> items;
        for (const pqxx::row& row : rows) items.push_back(ItemOf(row));
        return items;
      });
}

absl::StatusOr<std::vector<std::string>> ContentStore::DeleteItem(const std::string& item_id,
                                                                  const std::string& owner) {
  return pool_.TransactFor<std::vector<std::string>>(
      [&](pqxx::work& tx) -> absl::StatusOr<std::vector<std::string>> {
        if (tx.exec_params("SELECT 1 FROM items WHERE id = $1 AND owner_user_id = $2 FOR UPDATE",
                           item_id, owner)
                .empty()) {
          return ItemNotFound();
        }
        std::vector<std::string> blobs;
        for (const pqxx::row& row :
             tx.exec_params("SELECT sha256 FROM versions WHERE item_id = $1 UNION "
                            "SELECT r.sha256 FROM renditions r JOIN versions v "
                            "ON v.id = r.version_id WHERE v.item_id = $1",
                            item_id)) {
          blobs.push_back(row[0].as<std::string>());
        }
        tx.exec_params("DELETE FROM items WHERE id = $1", item_id);  // versions cascade
        return blobs;
      });
}

absl::StatusOr<std::vector<std::string>> ContentStore::ItemIdsOf(const std::string& owner,
                                                                  int limit) {
  return pool_.ReadFor<std::vector<std::string>>(
      [&](pqxx::nontransaction& tx) -> absl::StatusOr<std::vector<std::string>> {
        std::vector<std::string> ids;
        for (const pqxx::row& row :
             tx.exec_params("SELECT id::text FROM items WHERE owner_user_id = $1 LIMIT $2", owner,
                            limit)) {
          ids.push_back(row[0].as<std::string>());
        }
        return ids;
      });
}

absl::Status ContentStore::FinishErasure(const std::string& owner, const std::string& stream,
                                         int64_t sequence, absl::Time now) {
  return pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    if (!pg::AdvanceCursor(tx, stream, sequence)) return absl::OkStatus();
    // All of his folders in one statement: parents and children go together.
    tx.exec_params("DELETE FROM folders WHERE owner_user_id = $1", owner);
    tx.exec_params("DELETE FROM item_requests WHERE owner_user_id = $1", owner);
    tx.exec_params("DELETE FROM library_editors WHERE user_id = $1", owner);
    tx.exec_params("UPDATE uploads SET expires_at = least(expires_at, " PARTA_PG_TS("$2")
                   ") WHERE owner_user_id = $1 AND version_id IS NULL",
                   owner, pg::ToMicros(now));
    return absl::OkStatus();
  });
}

absl::StatusOr<v1::Item> ContentStore::UpdateItem(
    const v1::Item& item, const std::vector<std::string>& paths, const std::string& owner,
    absl::Time now, const std::function<absl::Status(pqxx::work&, const std::string&)>& also) {
  return pool_.TransactFor<v1::Item>([&](pqxx::work& tx) -> absl::StatusOr<v1::Item> {
    const pqxx::result found = tx.exec_params(
        "SELECT kind FROM items WHERE id = $1 AND owner_user_id = $2 FOR UPDATE", item.id(), owner);
    if (found.empty()) return ItemNotFound();
    if (also) RETURN_IF_ERROR(also(tx, found[0][0].as<std::string>()));
    std::string grades = "{";
    for (int i = 0; i < item.grades_size(); ++i) {
      absl::StrAppend(&grades, i > 0 ? "," : "", item.grades(i));
    }
    grades += "}";
    for (const std::string& path : paths) {
      if (path == "grades") {
        tx.exec_params("UPDATE items SET grades = $2::int[] WHERE id = $1", item.id(), grades);
      } else if (path == "age_label") {
        tx.exec_params("UPDATE items SET age_label = $2 WHERE id = $1", item.id(),
                       static_cast<int>(item.age_label()));
      } else {
        const std::string value = path == "title"         ? item.title()
                                  : path == "description" ? item.description()
                                  : path == "subject"     ? item.subject()
                                  : path == "licence"     ? item.licence()
                                                          : item.language();
        // The path is one the mask check allowed; quoted all the same.
        tx.exec_params(
            absl::StrCat("UPDATE items SET ", tx.quote_name(path), " = $2 WHERE id = $1"),
            item.id(), value);
      }
    }
    tx.exec_params("UPDATE items SET updated_at = " PARTA_PG_TS("$2") " WHERE id = $1", item.id(),
                   pg::ToMicros(now));
    RefreshSearchWords(tx, item.id());
    const pqxx::row row = tx.exec_params1(
        absl::StrCat("SELECT ", kItemColumns, kItemsWithNewestVersion, "WHERE i.id = $1"),
        item.id());
    return ItemOf(row);
  });
}

absl::StatusOr<v1::Item> ContentStore::Publish(const std::string& item_id, const std::string& owner,
                                               const std::string& school_id, int64_t school_quota,
                                               absl::Time now) {
  return pool_.TransactFor<v1::Item>([&](pqxx::work& tx) -> absl::StatusOr<v1::Item> {
    if (tx.exec_params("SELECT 1 FROM items WHERE id = $1 AND owner_user_id = $2 FOR UPDATE",
                       item_id, owner)
            .empty()) {
      return ItemNotFound();
    }
    const int64_t size = tx.exec_params1(
                               "SELECT coalesce((SELECT size FROM versions WHERE item_id = $1 "
                               "ORDER BY number DESC LIMIT 1), 0)",
                               item_id)[0]
                             .as<int64_t>();
    RETURN_IF_ERROR(CheckSchoolQuota(tx, item_id, size, school_quota, school_id));
    tx.exec_params(
        "INSERT INTO library_entries (item_id, school_id, published_by, published_at) "
        "VALUES ($1, $2, $3, " PARTA_PG_TS("$4") ") ON CONFLICT DO NOTHING",
        item_id, school_id, owner, pg::ToMicros(now));
    RefreshSearchWords(tx, item_id);
    return ItemOf(tx.exec_params1(
        absl::StrCat("SELECT ", kItemColumns, kItemsWithNewestVersion, "WHERE i.id = $1"),
        item_id));
  });
}

absl::StatusOr<v1::Item> ContentStore::Withdraw(const std::string& item_id,
                                                const std::string& owner,
                                                const std::string& school_id) {
  return pool_.TransactFor<v1::Item>([&](pqxx::work& tx) -> absl::StatusOr<v1::Item> {
    if (tx.exec_params("SELECT 1 FROM items WHERE id = $1 AND owner_user_id = $2 FOR UPDATE",
                       item_id, owner)
            .empty()) {
      return ItemNotFound();
    }
    if (tx.exec_params("DELETE FROM library_entries WHERE item_id = $1 AND school_id = $2 "
                       "RETURNING 1",
                       item_id, school_id)
            .empty()) {
      return NotFound("LIBRARY_ENTRY_NOT_FOUND", "the item is not in that school's library");
    }
    return ItemOf(tx.exec_params1(
        absl::StrCat("SELECT ", kItemColumns, kItemsWithNewestVersion, "WHERE i.id = $1"),
        item_id));
  });
}

absl::StatusOr<std::vector<v1::Item>> ContentStore::SearchLibrary(const LibraryQuery& query) {
  return pool_.ReadFor<std::vector<v1::Item>>(
      [&](pqxx::nontransaction& tx) -> absl::StatusOr<std::vector<v1::Item>> {
        const pqxx::result rows = tx.exec_params(
            absl::StrCat("SELECT ", kItemColumns, kItemsWithNewestVersion,
                         "JOIN library_entries e ON e.item_id = i.id AND e.school_id = $1 WHERE ",
                         kLibraryFilters, kLibraryRankOrder,
                         "e.published_at DESC, i.id DESC OFFSET $7 LIMIT $8"),
            query.school_id, query.query, query.subject, query.grade, query.max_age_label,
            query.kind, query.offset, query.limit);
        std::vector<v1::Item> items;
        for (const pqxx::row& row : rows) items.push_back(ItemOf(row));
        return items;
      });
}

absl::StatusOr<bool> ContentStore::RemoveBlobIfUnused(
    const std::string& sha256, const std::function<absl::Status()>& remove_file) {
  return pool_.TransactFor<bool>([&](pqxx::work& tx) -> absl::StatusOr<bool> {
    const pqxx::result locked = tx.exec_params(
        "SELECT 1 FROM blobs b WHERE sha256 = $1 AND NOT EXISTS "
        "(SELECT 1 FROM versions v WHERE v.sha256 = b.sha256) AND NOT EXISTS "
        "(SELECT 1 FROM renditions r WHERE r.sha256 = b.sha256) FOR UPDATE",
        sha256);
    if (locked.empty()) return false;
    // Still unused under the lock: a completion of the same bytes, or a rendition stored with
    // them, waits for this commit.
    if (!tx.exec_params("SELECT 1 FROM versions WHERE sha256 = $1 UNION ALL "
                        "SELECT 1 FROM renditions WHERE sha256 = $1 LIMIT 1",
                        sha256)
             .empty()) {
      return false;
    }
    RETURN_IF_ERROR(remove_file());
    tx.exec_params("DELETE FROM blobs WHERE sha256 = $1", sha256);
    return true;
  });
}

absl::StatusOr<std::vector<ContentStore::PendingBlob>> ContentStore::PendingBlobs(int limit) {
  return pool_.ReadFor<std::vector<PendingBlob>>(
      [&](pqxx::nontransaction& tx) -> absl::StatusOr<std::vector<PendingBlob>> {
        const pqxx::result rows = tx.exec_params(
            "SELECT sha256, size FROM versions WHERE scan_state = 'pending' "
            "GROUP BY sha256, size ORDER BY min(created_at) LIMIT $1",
            limit);
        std::vector<PendingBlob> blobs;
        for (const pqxx::row& row : rows) {
          blobs.push_back({.sha256 = row[0].as<std::string>(), .size = row[1].as<int64_t>()});
        }
        return blobs;
      });
}

absl::StatusOr<std::vector<ContentStore::ScannedVersion>> ContentStore::RecordVerdict(
    const std::string& sha256, bool infected, const std::string& signature) {
  return pool_.TransactFor<std::vector<ScannedVersion>>(
      [&](pqxx::work& tx) -> absl::StatusOr<std::vector<ScannedVersion>> {
        const pqxx::result rows = tx.exec_params(
            "UPDATE versions SET scan_state = $2, scan_signature = $3 WHERE sha256 = $1 "
            "AND scan_state = 'pending' RETURNING item_id::text, id::text, uploader_id::text, "
            "file_name",
            sha256, infected ? "infected" : "clean", signature);
        std::vector<ScannedVersion> scanned;
        for (const pqxx::row& row : rows) {
          scanned.push_back({.item_id = row[0].as<std::string>(),
                             .version_id = row[1].as<std::string>(),
                             .uploader_id = row[2].as<std::string>(),
                             .file_name = row[3].as<std::string>()});
        }
        return scanned;
      });
}

absl::StatusOr<VersionRow> ContentStore::GetVersion(const std::string& version_id) {
  return pool_.ReadFor<VersionRow>([&](pqxx::nontransaction& tx) -> absl::StatusOr<VersionRow> {
    const pqxx::result rows = tx.exec_params(
        "SELECT v.id::text, v.number, v.file_name, v.size, v.media_type, v.sha256, v.scan_state, "
        PARTA_PG_US("v.created_at") ", v.item_id::text, i.owner_user_id::text, "
        PARTA_CONTENT_RENDITIONS_COLUMN("v.id") " "
        "FROM versions v JOIN items i ON i.id = v.item_id WHERE v.id = $1",
        version_id);
    if (rows.empty()) {
      return NotFound("VERSION_NOT_FOUND", "no such version that you may read");
    }
    VersionRow version{.version = VersionOf(rows[0], 0, rows[0][8].as<std::string>()),
                       .owner_user_id = rows[0][9].as<std::string>()};
    AddRenditions(rows[0]["renditions"].as<std::string>(), version.version);
    return version;
  });
}

absl::StatusOr<std::vector<UploadRow>> ContentStore::ExpiredUploads(absl::Time now, int limit) {
  return pool_.ReadFor<std::vector<UploadRow>>(
      [&](pqxx::nontransaction& tx) -> absl::StatusOr<std::vector<UploadRow>> {
        const pqxx::result rows =
            tx.exec_params(absl::StrCat("SELECT ", kUploadColumns,
                                        " FROM uploads WHERE expires_at <= ", PARTA_PG_TS("$1"),
                                        " ORDER BY expires_at LIMIT $2"),
                           pg::ToMicros(now), limit);
        std::vector<UploadRow> uploads;
        for (const pqxx::row& row : rows) uploads.push_back(UploadOf(row));
        return uploads;
      });
}

absl::Status ContentStore::DeleteExpiredUpload(const std::string& id, absl::Time now,
                                               const std::function<absl::Status()>& remove_bytes) {
  return pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    const pqxx::result rows = tx.exec_params(
        "SELECT 1 FROM uploads WHERE id = $1 AND expires_at <= " PARTA_PG_TS("$2") " FOR UPDATE",
        id, pg::ToMicros(now));
    if (rows.empty()) return absl::OkStatus();
    RETURN_IF_ERROR(remove_bytes());
    tx.exec_params("DELETE FROM uploads WHERE id = $1", id);
    return absl::OkStatus();
  });
}

}  // namespace parta::content
