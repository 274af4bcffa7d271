#pragma once

// Content's Postgres: uploads, items, versions and blobs. Every query that touches one person's
// space runs under his quota lock, so two uploads cannot both pass the same free space.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/core/retry_key.h"
#include "libs/pg/pool.h"
#include "parta/content/v1/content.pb.h"
#include "services/content/store/item_rows.h"

namespace parta::content {

struct UploadRow {
  std::string id;
  std::string owner_user_id;
  std::string item_id;  // a new version of this item; empty for a new item
  std::string file_name;
  int64_t size = 0;
  std::string declared_media_type;
  int64_t committed = 0;   // bytes that count
  int64_t held_end = 0;    // written up to here; bytes past `committed` wait for a checksum
  std::string version_id;  // set once complete
  absl::Time create_time;
  absl::Time expire_time;
};

// A version with what access checks need.
struct VersionRow {
  v1::Version version;
  std::string owner_user_id;
};

// What completing an upload found in its bytes.
struct CompletedBytes {
  std::string sha256;  // hex
  std::string media_type;
  v1::ScanState scan_state = v1::SCAN_STATE_PENDING;
  // What search reads of it: the start of a plain-text file; nullopt for other types.
  std::optional<std::string> text;
};

// The quotas a change of stored bytes is checked against.
struct Quotas {
  int64_t user = 0;    // a person's files and open uploads
  int64_t school = 0;  // a school library's shown items
};

// Unfinished uploads one person may have at once.
inline constexpr int kMaxOpenUploads = 100;

// Serialises everything that counts or grows one person's space, until the transaction ends.
void LockQuota(pqxx::work& tx, const std::string& owner);

// The bytes `owner` uses, as his quota counts them: his versions, his open uploads (but
// `except_upload`), his articles' stored HTML and plain text and his links' URLs.
int64_t SpaceUsed(pqxx::work& tx, const std::string& owner, const std::string& except_upload = "");

class ContentStore {
 public:
  explicit ContentStore(pg::Pool& pool) : pool_(pool) {}

  // Records a new upload, or answers the one the same request id made (ALREADY_EXISTS
  // `REQUEST_ID_REUSED` when it asked for something else). RESOURCE_EXHAUSTED `QUOTA_EXCEEDED`
  // when the owner's stored bytes and open uploads leave less than its size of `quota`, or
  // `TOO_MANY_UPLOADS` when he has kMaxOpenUploads unfinished.
  // NOT_FOUND `ITEM_NOT_FOUND` for a new version of an item that is not the owner's,
  // FAILED_PRECONDITION `WRONG_ITEM_KIND` of an article or a link (they have no versions).
  absl::StatusOr<UploadRow> CreateUpload(const UploadRow& upload, const RetryKey& key,
                                         const Quotas& quotas);

  // An upload of `owner` (NOT_FOUND `UPLOAD_NOT_FOUND` otherwise, and after it expired).
  absl::StatusOr<UploadRow> GetUpload(const std::string& id, const std::string& owner,
                                      absl::Time now);

  // Runs `change` on the upload under its row lock (the writes of one upload never interleave)
  // and stores the offsets it answers.
  struct Offsets {
    int64_t committed = 0;
    int64_t held_end = 0;
  };
  absl::StatusOr<UploadRow> ChangeUpload(
      const std::string& id, const std::string& owner, absl::Time now,
      const std::function<absl::StatusOr<Offsets>(const UploadRow&)>& change);

  // Deletes an unfinished upload of `owner` (FAILED_PRECONDITION `UPLOAD_COMPLETE` for a
  // finished one); `remove_bytes` runs under its row lock before the row goes.
  absl::Status CancelUpload(const std::string& id, const std::string& owner, absl::Time now,
                            const std::function<absl::Status()>& remove_bytes);

  // Turns a fully arrived upload into a version, in one transaction: the quota is checked again
  // (RESOURCE_EXHAUSTED `QUOTA_EXCEEDED`), a pending scan takes the verdict other versions of the
  // same bytes already have, the blob row is made or locked, `promote` puts the
  // staging file in place under that lock, the item (new, or the upload's item with a new
  // version) and its version are written, and the upload names the version. An upload completed
  // already answers its item.
  absl::StatusOr<v1::Item> CompleteUpload(const UploadRow& upload, const CompletedBytes& bytes,
                                          const Quotas& quotas, const std::string& item_id,
                                          const std::string& version_id, absl::Time now,
                                          const std::function<absl::Status()>& promote);

  // Drops an upload whose bytes were refused at completion; `remove_bytes` runs under its row
  // lock before the row goes.
  absl::Status DropUpload(const std::string& id, const std::function<absl::Status()>& remove_bytes);

  // Sets an unfinished upload back to `offset` (what its staging file really holds).
  absl::StatusOr<UploadRow> RewindUpload(const std::string& id, int64_t offset);

  // An item of `owner` with its newest version, an article with its body (NOT_FOUND
  // `ITEM_NOT_FOUND`).
  absl::StatusOr<v1::Item> GetItem(const std::string& item_id, const std::string& owner);

  // `owner`'s items in `folder_id` ("" for the top), newest first, after the item
  // (created_at, id) of `after` when given.
  struct ItemKey {
    absl::Time create_time;
    std::string id;
  };
  absl::StatusOr<std::vector<v1::Item>> ListItems(const std::string& owner,
                                                  const std::string& folder_id,
                                                  const std::optional<ItemKey>& after, int limit);

  // Deletes an item of `owner` with its versions (NOT_FOUND `ITEM_NOT_FOUND`); answers the blobs
  // its versions used, for RemoveBlobIfUnused.
  absl::StatusOr<std::vector<std::string>> DeleteItem(const std::string& item_id,
                                                      const std::string& owner);

  // Up to `limit` ids of the items `owner` has.
  absl::StatusOr<std::vector<std::string>> ItemIdsOf(const std::string& owner, int limit);
  // The rest of an erased person's part, once his items are deleted, in one transaction with
  // the cursor of identity's account events (`stream`, `sequence`): his folders, the records of
  // his creating requests, his place among the library's editors; his unfinished uploads expire
  // at `now` (the upload purge removes them and what they held).
  absl::Status FinishErasure(const std::string& owner, const std::string& stream,
                             int64_t sequence, absl::Time now);

  // Changes the catalogue fields `paths` of an item of `owner` to those of `item`
  // (NOT_FOUND `ITEM_NOT_FOUND`). `also`, when given, writes more of the item in the same
  // transaction, told the item's kind (its column), before the search words are refreshed.
  absl::StatusOr<v1::Item> UpdateItem(
      const v1::Item& item, const std::vector<std::string>& paths, const std::string& owner,
      absl::Time now,
      const std::function<absl::Status(pqxx::work&, const std::string&)>& also = nullptr);

  // Shows an item of `owner` in a school's library (idempotent), or stops showing it (NOT_FOUND
  // `ITEM_NOT_FOUND`; `LIBRARY_ENTRY_NOT_FOUND` when that library does not show it).
  absl::StatusOr<v1::Item> Publish(const std::string& item_id, const std::string& owner,
                                   const std::string& school_id, int64_t school_quota,
                                   absl::Time now);
  absl::StatusOr<v1::Item> Withdraw(const std::string& item_id, const std::string& owner,
                                    const std::string& school_id);

  // A page of a school's library: found by `query` (websearch syntax, `russian`), best first,
  // or newest first without one.
  struct LibraryQuery {
    std::string school_id;
    std::string query;
    std::string subject;
    int grade = 0;
    int max_age_label = 0;  // 0: any
    std::string kind;       // empty: any
    int offset = 0;
    int limit = 20;
  };
  absl::StatusOr<std::vector<v1::Item>> SearchLibrary(const LibraryQuery& query);


  // Removes blob `sha256` when no version refers to it: under its row lock, `remove_file` runs,
  // then the row goes. Answers whether it was removed.
  absl::StatusOr<bool> RemoveBlobIfUnused(const std::string& sha256,
                                          const std::function<absl::Status()>& remove_file);

  // Blobs whose versions wait for a virus scan, oldest first.
  struct PendingBlob {
    std::string sha256;
    int64_t size = 0;
  };
  absl::StatusOr<std::vector<PendingBlob>> PendingBlobs(int limit);
  // Records the scan's verdict on every version of the blob still waiting; answers them, for
  // telling their uploaders.
  struct ScannedVersion {
    std::string item_id;
    std::string version_id;
    std::string uploader_id;
    std::string file_name;
  };
  absl::StatusOr<std::vector<ScannedVersion>> RecordVerdict(const std::string& sha256,
                                                            bool infected,
                                                            const std::string& signature);

  // A version with its owner (NOT_FOUND `VERSION_NOT_FOUND`).
  absl::StatusOr<VersionRow> GetVersion(const std::string& version_id);

  // Uploads past their expiry, oldest first: unfinished ones with their bytes, finished ones
  // kept only for GetUpload.
  absl::StatusOr<std::vector<UploadRow>> ExpiredUploads(absl::Time now, int limit);
  // Deletes an expired upload, `remove_bytes` under its row lock; nothing when it is gone.
  absl::Status DeleteExpiredUpload(const std::string& id, absl::Time now,
                                   const std::function<absl::Status()>& remove_bytes);

 private:
  pg::Pool& pool_;
};

}  // namespace parta::content
