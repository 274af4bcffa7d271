#pragma once

// Uploads: created with their declared size, filled piece by piece at increasing offsets
// (pieces may be held until their checksum is confirmed), and completed into a version when the
// last byte arrives: hashed, typed from the bytes, checked against the quota, stored once per
// SHA-256. An upload that fails at completion is discarded whole.

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "libs/core/clock.h"
#include "libs/core/random.h"
#include "parta/content/v1/content.pb.h"
#include "services/content/files/content_settings.h"
#include "services/content/storage/blob_store.h"
#include "services/content/storage/media_sniffer.h"
#include "services/content/store/content_store.h"

namespace parta::content {

class Uploads {
 public:
  // `completed` runs after each upload becomes a version (wakes the scanner).
  Uploads(ContentStore& store, BlobStore& blobs, const MediaSniffer& sniffer, const Clock& clock,
          IdGenerator& ids, ContentSettings settings, std::function<void()> completed);

  absl::StatusOr<v1::Upload> Create(const std::string& caller, const v1::CreateUploadRequest& req);
  // An upload of the caller; one whose bytes have all arrived but whose completion was cut
  // short (a crash) is completed now.
  absl::StatusOr<v1::Upload> Get(const std::string& caller, const std::string& upload_id);
  absl::StatusOr<v1::Upload> Append(const std::string& caller, const v1::AppendUploadRequest& req);
  absl::StatusOr<v1::Upload> Confirm(const std::string& caller,
                                     const v1::ConfirmUploadRequest& req);
  absl::Status Cancel(const std::string& caller, const std::string& upload_id);

  // Drops expired uploads and their bytes; answers how many.
  absl::StatusOr<int> DropExpired();

 private:
  // The upload as clients see it, completing it first when its bytes are all there.
  absl::StatusOr<v1::Upload> Finish(const UploadRow& upload);
  absl::StatusOr<v1::Item> Complete(const UploadRow& upload);
  // Throws away an upload refused at completion.
  void Discard(const UploadRow& upload);

  ContentStore& store_;
  BlobStore& blobs_;
  const MediaSniffer& sniffer_;
  const Clock& clock_;
  IdGenerator& ids_;
  const ContentSettings settings_;
  const std::function<void()> completed_;
};

}  // namespace parta::content
