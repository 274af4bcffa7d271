#include "services/content/storage/s3_blob_store.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_cat.h"
#include "libs/core/status.h"

namespace parta::content {
namespace {

constexpr char kReasons[] = "BLOB_STORE";
constexpr int64_t kBytesPerExtraSecond = 8 << 20;
// The longest read callers make (a preview's source, at most 64 MiB) with room to spare.
constexpr size_t kMaxReadBytes = size_t{128} << 20;

// The first byte of a 206 answer's "Content-Range: bytes <first>-<last>/<size>", or -1.
int64_t RangeStart(const http::Response& response) {
  const std::string header = response.Header("Content-Range");
  absl::string_view range = header;
  if (!absl::ConsumePrefix(&range, "bytes ")) return -1;
  int64_t first = -1;
  if (!absl::SimpleAtoi(range.substr(0, range.find('-')), &first)) return -1;
  return first;
}

// The <Code> of an S3 error document, or "".
std::string ErrorCode(absl::string_view body) {
  const size_t start = body.find("<Code>");
  const size_t end = body.find("</Code>");
  if (start == absl::string_view::npos || end == absl::string_view::npos || end < start) return "";
  return std::string(body.substr(start + 6, end - start - 6));
}

}  // namespace

absl::StatusOr<std::unique_ptr<S3BlobStore>> S3BlobStore::Open(const S3Settings& settings,
                                                               const std::string& staging_root) {
  ASSIGN_OR_RETURN(http::Url endpoint, http::Url::Parse(settings.endpoint, kReasons));
  if (settings.bucket.empty()) {
    return InvalidArgument("BLOB_STORE_SETTINGS", "the object store's bucket is not named");
  }
  ASSIGN_OR_RETURN(std::unique_ptr<FileBlobStore> staging, FileBlobStore::Open(staging_root));
  std::unique_ptr<S3BlobStore> store(
      new S3BlobStore(settings, std::move(endpoint), std::move(staging)));
  // HEAD of the bucket: the endpoint answers, the bucket exists and the keys are accepted.
  const std::string bucket = absl::StrCat("/", settings.bucket);
  ASSIGN_OR_RETURN(http::Response answer,
                   store->Send({.method = "HEAD"}, bucket, kEmptyPayloadSha256, settings.timeout));
  if (answer.status != 200) return Refused(absl::StrCat("HEAD ", bucket), answer);
  return store;
}

S3BlobStore::S3BlobStore(S3Settings settings, http::Url endpoint,
                         std::unique_ptr<FileBlobStore> staging)
    : settings_(std::move(settings)),
      endpoint_(std::move(endpoint)),
      staging_(std::move(staging)),
      client_(endpoint_.host, endpoint_.port,
              {.max_response_bytes = kMaxReadBytes, .reasons = kReasons}) {}

std::string S3BlobStore::ObjectPath(const std::string& sha256) const {
  return absl::StrCat("/", settings_.bucket, "/", settings_.prefix, "blobs/", sha256.substr(0, 2),
                      "/", sha256.substr(2, 2), "/", sha256);
}

absl::StatusOr<http::Response> S3BlobStore::Send(http::Request request, const std::string& path,
                                                 absl::string_view payload_sha256,
                                                 absl::Duration timeout) {
  request.target = S3EncodePath(path);
  request.headers.emplace_back("host", endpoint_.authority());
  // Signed with the wall clock, whatever clock the service runs on: stores refuse skewed times.
  SignS3Request(settings_.credentials, request.method, path, "", payload_sha256, absl::Now(),
                request.headers);
  return client_.Send(request, timeout);
}

absl::Status S3BlobStore::Refused(absl::string_view what, const http::Response& response) {
  return Unavailable("BLOB_STORE_FAILED",
                     absl::StrCat("the object store refused ", what, ": HTTP ", response.status,
                                  " ", ErrorCode(response.body)));
}

absl::Status S3BlobStore::Promote(const std::string& upload_id, const std::string& sha256) {
  if (!IsBlobName(sha256)) return InvalidArgument("BLOB_NAME", "not a blob's name");
  const std::string path = ObjectPath(sha256);
  ASSIGN_OR_RETURN(const int64_t size, staging_->StagedSize(upload_id));
  ASSIGN_OR_RETURN(
      http::Response answer,
      Send({.method = "PUT",
            .headers = {{"content-type", "application/octet-stream"}},
            .body_file = staging_->StagedPath(upload_id)},
           path, sha256, settings_.timeout + absl::Seconds(size / kBytesPerExtraSecond)));
  if (answer.status != 200) return Refused(absl::StrCat("PUT ", path), answer);
  return absl::OkStatus();
}

absl::StatusOr<std::string> S3BlobStore::Read(const std::string& sha256, int64_t offset,
                                              int64_t length) {
  if (!IsBlobName(sha256)) return NotFound("BLOB_MISSING", "the version's bytes are gone");
  if (length <= 0) return std::string();
  const std::string path = ObjectPath(sha256);
  ASSIGN_OR_RETURN(
      http::Response answer,
      Send({.method = "GET",
            .headers = {{"range", absl::StrCat("bytes=", offset, "-", offset + length - 1)}}},
           path, kEmptyPayloadSha256,
           settings_.timeout + absl::Seconds(length / kBytesPerExtraSecond)));
  switch (answer.status) {
    case 206:
      if (RangeStart(answer) != offset) {
        return Refused(absl::StrCat("GET ", path, " (another range)"), answer);
      }
      // Some stores answer more than asked for (s3rver, for "bytes=0-0"): the start is right.
      if (answer.body.size() > static_cast<size_t>(length)) {
        answer.body.resize(static_cast<size_t>(length));
      }
      return std::move(answer.body);
    case 200:  // the whole object: a store that ignored the range, which is right only from 0
      if (offset != 0 || answer.body.size() > static_cast<size_t>(length)) {
        return Refused(absl::StrCat("GET ", path, " (the range was ignored)"), answer);
      }
      return std::move(answer.body);
    case 416:  // from the end of the blob on
      return std::string();
    case 404:
      if (ErrorCode(answer.body) == "NoSuchBucket") {
        return Refused(absl::StrCat("GET ", path), answer);
      }
      return NotFound("BLOB_MISSING", "the version's bytes are gone");
    default:
      return Refused(absl::StrCat("GET ", path), answer);
  }
}

absl::Status S3BlobStore::Remove(const std::string& sha256) {
  if (!IsBlobName(sha256)) return absl::OkStatus();  // no such blob can exist
  const std::string path = ObjectPath(sha256);
  ASSIGN_OR_RETURN(http::Response answer,
                   Send({.method = "DELETE"}, path, kEmptyPayloadSha256, settings_.timeout));
  if (answer.status != 204 && answer.status != 200 && answer.status != 404) {
    return Refused(absl::StrCat("DELETE ", path), answer);
  }
  return absl::OkStatus();
}

absl::Status S3BlobStore::WriteStaged(const std::string& upload_id, int64_t offset,
                                      absl::string_view data) {
  return staging_->WriteStaged(upload_id, offset, data);
}
absl::Status S3BlobStore::TruncateStaged(const std::string& upload_id, int64_t size) {
  return staging_->TruncateStaged(upload_id, size);
}
absl::StatusOr<std::string> S3BlobStore::HashStaged(const std::string& upload_id, int64_t from,
                                                    int64_t to) {
  return staging_->HashStaged(upload_id, from, to);
}
absl::StatusOr<StagedSummary> S3BlobStore::SummarizeStaged(const std::string& upload_id,
                                                           int64_t size) {
  return staging_->SummarizeStaged(upload_id, size);
}
absl::StatusOr<int64_t> S3BlobStore::StagedSize(const std::string& upload_id) {
  return staging_->StagedSize(upload_id);
}
absl::StatusOr<std::string> S3BlobStore::ReadStaged(const std::string& upload_id, int64_t offset,
                                                    int64_t length) {
  return staging_->ReadStaged(upload_id, offset, length);
}
absl::Status S3BlobStore::RemoveStaged(const std::string& upload_id) {
  return staging_->RemoveStaged(upload_id);
}

}  // namespace parta::content
