#pragma once

// Who may read a version, and reading it: OpenDownload decides once (owner, a signed link, a
// chat whose message carries the version, a library that shows it, a school profile picture)
// and answers a read token; ReadContent reads by the token alone, straight from the blob store.

#include <string>

#include "absl/status/statusor.h"
#include "libs/core/clock.h"
#include "parta/content/v1/content.pb.h"
#include "services/content/access/read_access.h"
#include "services/content/domain/grants.h"
#include "services/content/files/content_settings.h"
#include "services/content/storage/blob_store.h"
#include "services/content/store/content_store.h"

namespace parta::content {

class Downloads {
 public:
  Downloads(ContentStore& store, BlobStore& blobs, ReadAccess& access, const GrantSigner& signer,
            const Clock& clock, ContentSettings settings);

  absl::StatusOr<v1::OpenDownloadResponse> Open(const Reader& reader,
                                                const v1::OpenDownloadRequest& req);
  absl::StatusOr<std::string> Read(const v1::ReadContentRequest& req);
  absl::StatusOr<v1::CreateDownloadLinkResponse> CreateLink(const Reader& reader,
                                                            const std::string& version_id);
  // Versions the reader may attach to a message, described in the order asked.
  absl::StatusOr<v1::DescribeAttachmentsResponse> DescribeAttachments(
      const Reader& reader, const v1::DescribeAttachmentsRequest& req);

 private:
  // The version, when `reader` may read it (ReadAccess decides; NOT_FOUND `VERSION_NOT_FOUND`
  // otherwise, whether it exists or not).
  absl::StatusOr<VersionRow> Readable(const Reader& reader, const std::string& version_id);
  // FAILED_PRECONDITION when the version may not be served to `user_id` yet, or ever.
  absl::Status Servable(const VersionRow& version, const std::string& user_id) const;

  ContentStore& store_;
  BlobStore& blobs_;
  ReadAccess& access_;
  const GrantSigner& signer_;
  const Clock& clock_;
  const ContentSettings settings_;
};

}  // namespace parta::content
