#pragma once

// A person's items («Мои файлы»): reading, listing, deleting (which frees their space and
// removes blobs that nothing else uses).

#include <string>

#include "absl/status/statusor.h"
#include "parta/content/v1/content.pb.h"
#include "services/content/storage/blob_store.h"
#include "services/content/store/content_store.h"

namespace parta::content {

class Items {
 public:
  Items(ContentStore& store, BlobStore& blobs) : store_(store), blobs_(blobs) {}

  absl::StatusOr<v1::Item> Get(const std::string& caller, const std::string& item_id);
  absl::StatusOr<v1::ListMyFilesResponse> ListMine(const std::string& caller,
                                                   const v1::ListMyFilesRequest& req);
  absl::Status Delete(const std::string& caller, const std::string& item_id);

 private:
  ContentStore& store_;
  BlobStore& blobs_;
};

}  // namespace parta::content
