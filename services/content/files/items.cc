#include "services/content/files/items.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/core/log.h"
#include "libs/core/page_token.h"
#include "libs/core/random.h"
#include "libs/core/status.h"
#include "libs/grpc/request_values.h"
#include "services/content/domain/validation.h"

namespace parta::content {
namespace {

constexpr absl::string_view kMyFilesList = "content.my-files";

}  // namespace

absl::StatusOr<v1::Item> Items::Get(const Reader& reader, const std::string& item_id) {
  RETURN_IF_ERROR(CheckId(item_id, "INVALID_ITEM_ID"));
  std::string owner;
  RETURN_IF_ERROR(access_.MayReadItem(reader, item_id, &owner));
  ASSIGN_OR_RETURN(v1::Item item, store_.GetItem(item_id, owner));
  return ForReader(std::move(item), reader.user_id);
}

absl::StatusOr<v1::ListMyFilesResponse> Items::ListMine(const std::string& caller,
                                                        const v1::ListMyFilesRequest& req) {
  ASSIGN_OR_RETURN(const int page_size, PageSize(req.page_size(), 50, 100));
  if (!req.folder_id().empty()) RETURN_IF_ERROR(CheckId(req.folder_id(), "INVALID_FOLDER_ID"));
  // The page token is bound to the person and the folder: another folder starts over.
  const std::string scope = absl::StrCat(caller, "|", req.folder_id());
  ASSIGN_OR_RETURN(const std::vector<std::string> key,
                   DecodePageToken(req.page_token(), kMyFilesList, scope, 2));
  std::optional<ContentStore::ItemKey> after;
  if (!key.empty()) {
    int64_t micros = 0;
    if (!absl::SimpleAtoi(key[0], &micros) || !IsUuid(key[1])) return InvalidPageToken();
    after = ContentStore::ItemKey{.create_time = absl::FromUnixMicros(micros), .id = key[1]};
  }
  v1::ListMyFilesResponse response;
  if (!after) {
    ASSIGN_OR_RETURN(std::vector<v1::Folder> folders, folders_.Children(caller, req.folder_id()));
    for (v1::Folder& folder : folders) *response.add_folders() = std::move(folder);
  }
  ASSIGN_OR_RETURN(std::vector<v1::Item> items,
                   store_.ListItems(caller, req.folder_id(), after, page_size + 1));
  const bool more = static_cast<int>(items.size()) > page_size;
  if (more) items.resize(static_cast<size_t>(page_size));
  for (v1::Item& item : items) *response.add_items() = std::move(item);
  if (more) {
    const v1::Item& last = response.items(page_size - 1);
    const int64_t micros =
        last.create_time().seconds() * 1000000 + last.create_time().nanos() / 1000;
    response.set_next_page_token(
        EncodePageToken(kMyFilesList, scope, {absl::StrCat(micros), last.id()}));
  }
  return response;
}

absl::Status Items::Delete(const std::string& caller, const std::string& item_id) {
  RETURN_IF_ERROR(CheckId(item_id, "INVALID_ITEM_ID"));
  ASSIGN_OR_RETURN(const std::vector<std::string> blobs, store_.DeleteItem(item_id, caller));
  for (const std::string& sha256 : blobs) {
    // A blob left behind by a failure here is removed by the next deletion of the same bytes.
    absl::StatusOr<bool> removed =
        store_.RemoveBlobIfUnused(sha256, [&] { return blobs_.Remove(sha256); });
    if (!removed.ok()) {
      log::Warning("unused blob not removed")
          .With("blob", sha256)
          .With("error", removed.status().ToString());
    }
  }
  return absl::OkStatus();
}

absl::Status Items::EraseOwner(const std::string& stream, int64_t sequence,
                               const std::string& account_id) {
  int erased = 0;
  while (true) {
    ASSIGN_OR_RETURN(const std::vector<std::string> item_ids, store_.ItemIdsOf(account_id, 100));
    if (item_ids.empty()) break;
    for (const std::string& item_id : item_ids) {
      absl::Status deleted = Delete(account_id, item_id);
      if (!deleted.ok() && !absl::IsNotFound(deleted)) return deleted;  // gone meanwhile: fine
      ++erased;
    }
  }
  RETURN_IF_ERROR(store_.FinishErasure(account_id, stream, sequence, clock_.Now()));
  log::Info("person erased from content").With("account_id", account_id).With("items", erased);
  return absl::OkStatus();
}

absl::StatusOr<v1::Folder> Items::CreateFolder(const std::string& caller,
                                               const v1::CreateFolderRequest& req) {
  ASSIGN_OR_RETURN(const RetryKey key, grpc::RetryKeyOf(req));
  // Without a request id, a lost answer and a retry would make the folder twice.
  if (key.request_id.empty()) {
    return InvalidArgument("INVALID_REQUEST_ID", "making a folder needs a request id");
  }
  RETURN_IF_ERROR(CheckFolderName(req.name()));
  if (!req.parent_id().empty()) RETURN_IF_ERROR(CheckId(req.parent_id(), "INVALID_FOLDER_ID"));
  v1::Folder folder;
  folder.set_id(ids_.NewId());
  folder.set_name(req.name());
  folder.set_parent_id(req.parent_id());
  return folders_.Create(caller, folder, key, clock_.Now());
}

absl::StatusOr<v1::Folder> Items::UpdateFolder(const std::string& caller,
                                               const v1::UpdateFolderRequest& req) {
  RETURN_IF_ERROR(CheckId(req.folder().id(), "INVALID_FOLDER_ID"));
  bool rename = false;
  bool move = false;
  for (const std::string& path : req.update_mask().paths()) {
    if (path == "name") {
      rename = true;
    } else if (path == "parent_id") {
      move = true;
    } else {
      return InvalidArgument("INVALID_UPDATE_MASK",
                             absl::StrCat("a folder has no changeable field ", path));
    }
  }
  if (!rename && !move) {
    return InvalidArgument("INVALID_UPDATE_MASK", "name the fields to change: name, parent_id");
  }
  if (rename) RETURN_IF_ERROR(CheckFolderName(req.folder().name()));
  if (move && !req.folder().parent_id().empty()) {
    RETURN_IF_ERROR(CheckId(req.folder().parent_id(), "INVALID_FOLDER_ID"));
  }
  return folders_.Update(caller, req.folder(), rename, move, clock_.Now());
}

absl::Status Items::DeleteFolder(const std::string& caller, const std::string& folder_id) {
  RETURN_IF_ERROR(CheckId(folder_id, "INVALID_FOLDER_ID"));
  return folders_.Delete(caller, folder_id);
}

}  // namespace parta::content
