#pragma once

// A person's items («Мои файлы»): reading, listing by folder, deleting (which frees their space
// and removes blobs that nothing else uses), and the folders they are kept in.

#include <string>

#include "absl/status/statusor.h"
#include "libs/core/clock.h"
#include "libs/core/random.h"
#include "parta/content/v1/content.pb.h"
#include "services/content/access/read_access.h"
#include "services/content/storage/blob_store.h"
#include "services/content/store/content_store.h"
#include "services/content/store/folder_store.h"

namespace parta::content {

class Items {
 public:
  Items(ContentStore& store, FolderStore& folders, BlobStore& blobs, ReadAccess& access,
        const Clock& clock, IdGenerator& ids)
      : store_(store),
        folders_(folders),
        blobs_(blobs),
        access_(access),
        clock_(clock),
        ids_(ids) {}

  // An item its owner or one of its readers (ReadAccess) asks for (ForReader's view).
  absl::StatusOr<v1::Item> Get(const Reader& reader, const std::string& item_id);
  absl::StatusOr<v1::ListMyFilesResponse> ListMine(const std::string& caller,
                                                   const v1::ListMyFilesRequest& req);
  absl::Status Delete(const std::string& caller, const std::string& item_id);

  absl::StatusOr<v1::Folder> CreateFolder(const std::string& caller,
                                          const v1::CreateFolderRequest& req);
  absl::StatusOr<v1::Folder> UpdateFolder(const std::string& caller,
                                          const v1::UpdateFolderRequest& req);
  absl::Status DeleteFolder(const std::string& caller, const std::string& folder_id);

  // A person's erasure (identity's AccountErased, event `sequence` of the cursor `stream`),
  // applied once: every item he owns goes with its versions, pictures and the blobs nothing else
  // uses (a library showing one shows it no more; reports on it go with it), then his folders.
  // Cut short, it goes on when the event comes again.
  absl::Status EraseOwner(const std::string& stream, int64_t sequence,
                          const std::string& account_id);

 private:
  ContentStore& store_;
  FolderStore& folders_;
  BlobStore& blobs_;
  ReadAccess& access_;
  const Clock& clock_;
  IdGenerator& ids_;
};

}  // namespace parta::content
