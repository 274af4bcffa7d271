#pragma once

// The folders of people's files («Мои файлы») in Postgres. Everything that changes one
// person's tree runs under his folder lock, so the counts, depths and cycles it checks hold.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/core/retry_key.h"
#include "libs/pg/pool.h"
#include "parta/content/v1/content.pb.h"

namespace parta::content {

// Folders one person may have, and how deep they may nest.
inline constexpr int kMaxFolders = 1000;
inline constexpr int kMaxFolderDepth = 16;

class FolderStore {
 public:
  explicit FolderStore(pg::Pool& pool) : pool_(pool) {}

  // Makes `folder` (id, name, parent_id) for `owner`, or answers the folder the same request id
  // made (ALREADY_EXISTS `REQUEST_ID_REUSED` when it asked for something else). NOT_FOUND
  // `FOLDER_NOT_FOUND` for a parent not his; ALREADY_EXISTS `FOLDER_EXISTS` for a sibling of
  // the same name; FAILED_PRECONDITION `FOLDERS_TOO_DEEP`; RESOURCE_EXHAUSTED
  // `TOO_MANY_FOLDERS`.
  absl::StatusOr<v1::Folder> Create(const std::string& owner, const v1::Folder& folder,
                                    const RetryKey& key, absl::Time now);

  // Renames (`rename`) and/or moves (`move`) a folder of `owner` to those of `folder`.
  // As Create, and FAILED_PRECONDITION `FOLDER_CYCLE`.
  absl::StatusOr<v1::Folder> Update(const std::string& owner, const v1::Folder& folder,
                                    bool rename, bool move, absl::Time now);

  // Deletes an empty folder of `owner` (FAILED_PRECONDITION `FOLDER_NOT_EMPTY`).
  absl::Status Delete(const std::string& owner, const std::string& folder_id);

  // The subfolders of `parent` ("" for the top) by name; NOT_FOUND `FOLDER_NOT_FOUND` for a
  // parent not his.
  absl::StatusOr<std::vector<v1::Folder>> Children(const std::string& owner,
                                                   const std::string& parent);

  // Puts an item of `owner` into `folder_id` ("" for the top), leaving its updated_at alone
  // (NOT_FOUND `ITEM_NOT_FOUND`, `FOLDER_NOT_FOUND`).
  absl::Status MoveItem(const std::string& owner, const std::string& item_id,
                        const std::string& folder_id);

 private:
  pg::Pool& pool_;
};

}  // namespace parta::content
