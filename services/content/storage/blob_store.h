#pragma once

// Where content's bytes live: one staging file per upload while it arrives, then blobs named by
// their SHA-256, shared by every version with the same bytes. Metadata and references are in
// Postgres; the store knows only bytes. Callers serialise what touches one blob (the blob row's
// lock, see ContentStore), so the store needs no locking of its own.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace parta::content {

struct StagedSummary {
  std::string sha256;  // lower-case hex of the whole staged file
  std::string head;    // its first bytes (up to 64 KiB), for type sniffing
};

// Whether `name` can be a blob's name (64 lower-case hex digits): never a path of its own.
inline bool IsBlobName(absl::string_view name) {
  return name.size() == 64 && name.find_first_not_of("0123456789abcdef") == absl::string_view::npos;
}

class BlobStore {
 public:
  virtual ~BlobStore() = default;

  // Writes `data` at `offset` of the upload's staging file (made on first write).
  virtual absl::Status WriteStaged(const std::string& upload_id, int64_t offset,
                                   absl::string_view data) = 0;
  // Cuts the staging file to `size` bytes (dropping held bytes whose checksum failed).
  virtual absl::Status TruncateStaged(const std::string& upload_id, int64_t size) = 0;
  // The SHA-256 (raw 32 bytes) of bytes [from, to) of the staging file.
  virtual absl::StatusOr<std::string> HashStaged(const std::string& upload_id, int64_t from,
                                                 int64_t to) = 0;
  // The SHA-256 and first bytes of the first `size` bytes, flushed to disk first.
  virtual absl::StatusOr<StagedSummary> SummarizeStaged(const std::string& upload_id,
                                                        int64_t size) = 0;
  // How many bytes the staging file holds (0 when there is none).
  virtual absl::StatusOr<int64_t> StagedSize(const std::string& upload_id) = 0;
  // Up to `length` bytes of the staging file from `offset`.
  virtual absl::StatusOr<std::string> ReadStaged(const std::string& upload_id, int64_t offset,
                                                 int64_t length) = 0;
  // Makes the staging file's bytes the blob `sha256`, replacing a file of that name (its bytes
  // are the same) atomically; the staging file stays until RemoveStaged. Call only while holding
  // the blob's row lock.
  virtual absl::Status Promote(const std::string& upload_id, const std::string& sha256) = 0;
  // Removes a staging file; nothing when there is none.
  virtual absl::Status RemoveStaged(const std::string& upload_id) = 0;

  // Up to `length` bytes of blob `sha256` from `offset` (fewer at its end). NOT_FOUND
  // `BLOB_MISSING` when the blob is gone.
  virtual absl::StatusOr<std::string> Read(const std::string& sha256, int64_t offset,
                                           int64_t length) = 0;
  // Removes blob `sha256`; nothing when it is gone. Call only while holding its row lock.
  virtual absl::Status Remove(const std::string& sha256) = 0;
};

}  // namespace parta::content
