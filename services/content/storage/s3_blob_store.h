#pragma once

// The blob store on S3-compatible object storage, for more than one machine: blob `sha256` is
// the object `<prefix>blobs/ab/cd/<sha256>` of one bucket, written once from the staged file (its
// SHA-256, known already, is the signed payload hash, so the store checks the bytes it keeps),
// read by ranged GETs and removed by DELETE, each signed with AWS Signature Version 4.
//
// Uploads in progress stay on a local disk (FileBlobStore's staging folder): object stores cannot
// append, and tus uploads arrive in pieces of any size. With several content instances, that
// folder is a volume they share, or one upload's requests reach one instance.
//
// Errors: UNAVAILABLE BLOB_STORE_UNAVAILABLE when the store cannot be reached, DEADLINE_EXCEEDED
// BLOB_STORE_TIMEOUT when it does not answer in time, UNAVAILABLE BLOB_STORE_FAILED when it
// refuses or answers what was not asked (another range; the S3 error code in the message),
// NOT_FOUND BLOB_MISSING for a blob it does not hold (names that are not blobs' never reach it).

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/http/client.h"
#include "services/content/storage/blob_store.h"
#include "services/content/storage/file_blob_store.h"
#include "services/content/storage/s3_signer.h"

namespace parta::content {

struct S3Settings {
  std::string endpoint;  // http://host:port of the store (path-style requests)
  std::string bucket;
  std::string prefix;  // put before every key ("parta/"); may be empty
  S3Credentials credentials;
  absl::Duration timeout = absl::Seconds(30);  // of a request, plus 1 s per 8 MiB sent
};

class S3BlobStore final : public BlobStore {
 public:
  // Stages uploads under `staging_root`; checks that the bucket answers.
  static absl::StatusOr<std::unique_ptr<S3BlobStore>> Open(const S3Settings& settings,
                                                           const std::string& staging_root);

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
  absl::Status RemoveStaged(const std::string& upload_id) override;

  absl::Status Promote(const std::string& upload_id, const std::string& sha256) override;
  absl::StatusOr<std::string> Read(const std::string& sha256, int64_t offset,
                                   int64_t length) override;
  absl::Status Remove(const std::string& sha256) override;

 private:
  S3BlobStore(S3Settings settings, http::Url endpoint, std::unique_ptr<FileBlobStore> staging);
  // "/bucket/<prefix>blobs/ab/cd/<sha256>".
  std::string ObjectPath(const std::string& sha256) const;
  // Signs and sends a request for `path` (unencoded) with the given payload hash.
  absl::StatusOr<http::Response> Send(http::Request request, const std::string& path,
                                      absl::string_view payload_sha256, absl::Duration timeout);
  // BLOB_STORE_FAILED for an answer the store should not have given.
  static absl::Status Refused(absl::string_view what, const http::Response& response);

  const S3Settings settings_;
  const http::Url endpoint_;
  const std::unique_ptr<FileBlobStore> staging_;
  http::Client client_;
};

}  // namespace parta::content
