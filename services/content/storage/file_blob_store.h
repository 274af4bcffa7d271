#pragma once

// The blob store on a local file system (the default; for one machine or a shared volume):
//   <root>/staging/<upload id>        uploads in progress
//   <root>/blobs/<ab>/<cd>/<sha256>   blobs, fanned out by their first two bytes
// Both under one root, on one file system, so that a promotion is a rename.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "services/content/storage/blob_store.h"

namespace parta::content {

class FileBlobStore final : public BlobStore {
 public:
  // Makes the folders when missing.
  static absl::StatusOr<std::unique_ptr<FileBlobStore>> Open(const std::string& root);

  absl::Status WriteStaged(const std::string& upload_id, int64_t offset,
                           absl::string_view data) override;
  absl::Status TruncateStaged(const std::string& upload_id, int64_t size) override;
  absl::StatusOr<std::string> HashStaged(const std::string& upload_id, int64_t from,
                                         int64_t to) override;
  absl::StatusOr<StagedSummary> SummarizeStaged(const std::string& upload_id,
                                                int64_t size) override;
  absl::StatusOr<int64_t> StagedSize(const std::string& upload_id) override;
  absl::StatusOr<std::string> ReadStaged(const std::string& upload_id, int64_t offset,
                                         int64_t length) override;
  absl::Status Promote(const std::string& upload_id, const std::string& sha256) override;
  absl::Status RemoveStaged(const std::string& upload_id) override;
  absl::StatusOr<std::string> Read(const std::string& sha256, int64_t offset,
                                   int64_t length) override;
  absl::Status Remove(const std::string& sha256) override;

  // Where blob `sha256` is kept (tests).
  std::string BlobPath(const std::string& sha256) const;
  // Where an upload's bytes are staged (the object store sends blobs from there).
  std::string StagedPath(const std::string& upload_id) const;

 private:
  explicit FileBlobStore(std::string root) : root_(std::move(root)) {}
  // Up to `length` bytes of a file from `offset`; NOT_FOUND `BLOB_MISSING` when it is gone.
  static absl::StatusOr<std::string> ReadFile(const std::string& path, int64_t offset,
                                              int64_t length);

  const std::string root_;
};

}  // namespace parta::content
