#include "services/content/store/folder_store.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "libs/core/status.h"
#include "libs/pg/time.h"
#include "services/content/domain/validation.h"

namespace parta::content {
namespace {

constexpr const char* kFolderColumns =
    "id::text, name, coalesce(parent_id::text, ''), " PARTA_PG_US("created_at") ", " PARTA_PG_US(
        "updated_at");

v1::Folder FolderOf(const pqxx::row& row) {
  using google::protobuf::util::TimeUtil;
  v1::Folder folder;
  folder.set_id(row[0].as<std::string>());
  folder.set_name(row[1].as<std::string>());
  folder.set_parent_id(row[2].as<std::string>());
  *folder.mutable_create_time() = TimeUtil::MicrosecondsToTimestamp(row[3].as<int64_t>());
  *folder.mutable_update_time() = TimeUtil::MicrosecondsToTimestamp(row[4].as<int64_t>());
  return folder;
}

absl::Status FolderNotFound() { return NotFound("FOLDER_NOT_FOUND", "no such folder of yours"); }

absl::Status FolderExists(const std::string& name) {
  return AlreadyExists("FOLDER_EXISTS",
                       absl::StrCat("a folder named «", name, "» is already there"));
}

// Serialises every change of one person's tree until the transaction ends.
void LockTree(pqxx::work& tx, const std::string& owner) {
  tx.exec_params("SELECT pg_advisory_xact_lock(hashtextextended('content-folders:' || $1, 0))",
                 owner);
}

// How deep `folder` is: 1 for a folder at the top; 0 for the top itself ("").
absl::StatusOr<int> DepthOf(pqxx::work& tx, const std::string& owner, const std::string& folder) {
  if (folder.empty()) return 0;
  const pqxx::result rows = tx.exec_params(
      "WITH RECURSIVE up AS (SELECT id, parent_id, 1 AS depth FROM folders "
      "                      WHERE id = $1 AND owner_user_id = $2 "
      "                      UNION ALL SELECT f.id, f.parent_id, up.depth + 1 "
      "                      FROM folders f JOIN up ON f.id = up.parent_id) "
      "SELECT max(depth) FROM up",
      folder, owner);
  if (rows[0][0].is_null()) return FolderNotFound();
  return rows[0][0].as<int>();
}

// How many levels `folder` and its subfolders take: 1 for a folder without subfolders.
int HeightOf(pqxx::work& tx, const std::string& folder) {
  return tx
      .exec_params1(
          "WITH RECURSIVE down AS (SELECT id, 1 AS height FROM folders WHERE id = $1 "
          "  UNION ALL SELECT f.id, down.height + 1 FROM folders f "
          "  JOIN down ON f.parent_id = down.id) "
          "SELECT max(height) FROM down",
          folder)[0]
      .as<int>();
}

bool SiblingNamed(pqxx::work& tx, const std::string& owner, const std::string& parent,
                  const std::string& name, const std::string& except) {
  return !tx.exec_params(
                "SELECT 1 FROM folders WHERE owner_user_id = $1 "
                "AND parent_id IS NOT DISTINCT FROM nullif($2, '')::uuid "
                "AND name_key = $3 AND id::text <> $4",
                owner, parent, FolderNameKey(name), except)
              .empty();
}

}  // namespace

absl::StatusOr<v1::Folder> FolderStore::Create(const std::string& owner, const v1::Folder& folder,
                                               const RetryKey& key, absl::Time now) {
  return pool_.TransactFor<v1::Folder>([&](pqxx::work& tx) -> absl::StatusOr<v1::Folder> {
    LockTree(tx, owner);
    const pqxx::result earlier =
        tx.exec_params(absl::StrCat("SELECT ", kFolderColumns,
                                    ", request_fingerprint FROM folders WHERE owner_user_id = $1 "
                                    "AND request_id = $2"),
                       owner, key.request_id);
    if (!earlier.empty()) {
      if (pqxx::binarystring(earlier[0][5]).str() != key.fingerprint) {
        return AlreadyExists("REQUEST_ID_REUSED", "this request id made another folder");
      }
      return FolderOf(earlier[0]);
    }
    ASSIGN_OR_RETURN(const int depth, DepthOf(tx, owner, folder.parent_id()));
    if (depth + 1 > kMaxFolderDepth) {
      return FailedPrecondition("FOLDERS_TOO_DEEP",
                                absl::StrCat("folders nest at most ", kMaxFolderDepth, " deep"));
    }
    if (tx.exec_params1("SELECT count(*) FROM folders WHERE owner_user_id = $1", owner)[0]
            .as<int>() >= kMaxFolders) {
      return ResourceExhausted("TOO_MANY_FOLDERS",
                               absl::StrCat("a person has at most ", kMaxFolders, " folders"));
    }
    if (SiblingNamed(tx, owner, folder.parent_id(), folder.name(), "")) {
      return FolderExists(folder.name());
    }
    const pqxx::result made = tx.exec_params(
        absl::StrCat("INSERT INTO folders (id, owner_user_id, parent_id, name, name_key, "
                     "request_id, request_fingerprint, created_at, updated_at) "
                     "VALUES ($1, $2, nullif($3, '')::uuid, $4, $8, $5, $6, ",
                     PARTA_PG_TS("$7"), ", ", PARTA_PG_TS("$7"), ") RETURNING ", kFolderColumns),
        folder.id(), owner, folder.parent_id(), folder.name(), key.request_id,
        pqxx::binarystring(key.fingerprint), pg::ToMicros(now), FolderNameKey(folder.name()));
    return FolderOf(made[0]);
  });
}

absl::StatusOr<v1::Folder> FolderStore::Update(const std::string& owner, const v1::Folder& folder,
                                               bool rename, bool move, absl::Time now) {
  return pool_.TransactFor<v1::Folder>([&](pqxx::work& tx) -> absl::StatusOr<v1::Folder> {
    LockTree(tx, owner);
    const pqxx::result current =
        tx.exec_params(absl::StrCat("SELECT ", kFolderColumns,
                                    " FROM folders WHERE id = $1 AND owner_user_id = $2"),
                       folder.id(), owner);
    if (current.empty()) return FolderNotFound();
    v1::Folder next = FolderOf(current[0]);
    if (rename) next.set_name(folder.name());
    if (move && folder.parent_id() != next.parent_id()) {
      ASSIGN_OR_RETURN(const int depth, DepthOf(tx, owner, folder.parent_id()));
      // A folder cannot go into itself or below itself: its new parent would be in its subtree.
      if (!folder.parent_id().empty() &&
          !tx.exec_params(
                 "WITH RECURSIVE down AS (SELECT id FROM folders WHERE id = $1 "
                 "  UNION ALL SELECT f.id FROM folders f JOIN down ON f.parent_id = down.id) "
                 "SELECT 1 FROM down WHERE id = $2",
                 folder.id(), folder.parent_id())
               .empty()) {
        return FailedPrecondition("FOLDER_CYCLE",
                                  "a folder cannot go into itself or its subfolders");
      }
      if (depth + HeightOf(tx, folder.id()) > kMaxFolderDepth) {
        return FailedPrecondition("FOLDERS_TOO_DEEP",
                                  absl::StrCat("folders nest at most ", kMaxFolderDepth, " deep"));
      }
      next.set_parent_id(folder.parent_id());
    }
    if (SiblingNamed(tx, owner, next.parent_id(), next.name(), next.id())) {
      return FolderExists(next.name());
    }
    const pqxx::result changed = tx.exec_params(
        absl::StrCat("UPDATE folders SET name = $2, name_key = $5, "
                     "parent_id = nullif($3, '')::uuid, updated_at = ",
                     PARTA_PG_TS("$4"), " WHERE id = $1 RETURNING ", kFolderColumns),
        next.id(), next.name(), next.parent_id(), pg::ToMicros(now), FolderNameKey(next.name()));
    return FolderOf(changed[0]);
  });
}

absl::Status FolderStore::Delete(const std::string& owner, const std::string& folder_id) {
  return pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    LockTree(tx, owner);
    // The row lock waits for items being moved in (MoveItem holds the folder's key share), and
    // makes those that come later find no folder.
    if (tx.exec_params("SELECT 1 FROM folders WHERE id = $1 AND owner_user_id = $2 FOR UPDATE",
                       folder_id, owner)
            .empty()) {
      return FolderNotFound();
    }
    if (!tx.exec_params("SELECT 1 FROM items WHERE folder_id = $1 LIMIT 1", folder_id).empty() ||
        !tx.exec_params("SELECT 1 FROM folders WHERE parent_id = $1 LIMIT 1", folder_id).empty()) {
      return FailedPrecondition("FOLDER_NOT_EMPTY",
                                "the folder holds files or folders: move or delete them first");
    }
    tx.exec_params("DELETE FROM folders WHERE id = $1", folder_id);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<v1::Folder>> FolderStore::Children(const std::string& owner,
                                                              const std::string& parent) {
  return pool_.ReadFor<std::vector<v1::Folder>>(
      [&](pqxx::nontransaction& tx) -> absl::StatusOr<std::vector<v1::Folder>> {
        if (!parent.empty() &&
            tx.exec_params("SELECT 1 FROM folders WHERE id = $1 AND owner_user_id = $2", parent,
                           owner)
                .empty()) {
          return FolderNotFound();
        }
        const pqxx::result rows =
            tx.exec_params(absl::StrCat("SELECT ", kFolderColumns,
                                        " FROM folders WHERE owner_user_id = $1 "
                                        "AND parent_id IS NOT DISTINCT FROM nullif($2, '')::uuid "
                                        "ORDER BY name_key, id"),
                           owner, parent);
        std::vector<v1::Folder> folders;
        for (const pqxx::row& row : rows) folders.push_back(FolderOf(row));
        return folders;
      });
}

absl::Status FolderStore::MoveItem(const std::string& owner, const std::string& item_id,
                                   const std::string& folder_id) {
  return pool_.Transact([&](pqxx::work& tx) -> absl::Status {
    if (!folder_id.empty() &&
        tx.exec_params("SELECT 1 FROM folders WHERE id = $1 AND owner_user_id = $2 FOR KEY SHARE",
                       folder_id, owner)
            .empty()) {
      return FolderNotFound();
    }
    if (tx.exec_params("UPDATE items SET folder_id = nullif($3, '')::uuid "
                       "WHERE id = $1 AND owner_user_id = $2",
                       item_id, owner, folder_id)
            .affected_rows() == 0) {
      return NotFound("ITEM_NOT_FOUND", "no such item of yours");
    }
    return absl::OkStatus();
  });
}

}  // namespace parta::content
