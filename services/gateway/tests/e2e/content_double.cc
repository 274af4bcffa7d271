#include "services/gateway/tests/e2e/content_double.h"

#include <openssl/sha.h>

#include <map>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "libs/core/status.h"
#include "libs/grpc/status.h"
#include "parta/content/v1/content.grpc.pb.h"

namespace parta::gateway::testing {
namespace {

namespace cv1 = content::v1;

constexpr int64_t kMaxChunk = 4 * 1024 * 1024;

::grpc::Status Refuse(const absl::Status& status) {
  return grpc::ToGrpcStatus(status, "content.parta");
}

std::string Sha256(const std::string& bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof(digest));
}

std::string Metadata(const ::grpc::ServerContext& context, const std::string& key) {
  auto it = context.client_metadata().find(key);
  return it == context.client_metadata().end() ? std::string()
                                               : std::string(it->second.data(), it->second.size());
}

}  // namespace

class ContentDouble::Service final : public cv1::ContentService::Service {
 public:
  std::string AddVersion(const std::string& file_name, const std::string& media_type,
                         const std::string& bytes, bool inline_safe) {
    absl::MutexLock lock(&mu_);
    return AddVersionLocked(file_name, media_type, bytes, inline_safe).id();
  }

  void AddRendition(const std::string& version_id, cv1::RenditionKind kind,
                    const std::string& bytes) {
    absl::MutexLock lock(&mu_);
    const cv1::Version& version = versions_.at(version_id).version;
    StoredVersion stored;
    stored.version = version;
    stored.bytes = bytes;
    stored.inline_safe = true;
    stored.rendition.set_kind(kind);
    stored.rendition.set_media_type("image/jpeg");
    stored.rendition.set_size(static_cast<int64_t>(bytes.size()));
    stored.rendition.set_sha256(absl::BytesToHexString(Sha256(bytes)));
    stored.rendition.set_file_name(
        absl::StrCat(version.file_name(), ".",
                     kind == cv1::RENDITION_KIND_THUMBNAIL ? "thumbnail" : "preview", ".jpg"));
    versions_[RenditionKey(version_id, kind)] = std::move(stored);
  }

  Seen seen() const {
    absl::MutexLock lock(&mu_);
    return seen_;
  }

  void ExpireReadTokensAfter(int reads) {
    absl::MutexLock lock(&mu_);
    reads_per_token_ = reads;
  }

  std::string UploadedBytes(const std::string& upload_id) const {
    absl::MutexLock lock(&mu_);
    auto it = uploads_.find(upload_id);
    return it == uploads_.end() ? std::string() : it->second.bytes;
  }

 private:
  struct StoredUpload {
    cv1::Upload upload;
    std::string declared_media_type;
    std::string bytes;  // counted
    std::string held;   // held for a checksum
  };
  struct StoredVersion {
    cv1::Version version;
    std::string bytes;
    bool inline_safe = false;
    cv1::Rendition rendition;  // set for a rendition's bytes
  };

  // Where a rendition's bytes are kept among the versions (its read token names it).
  static std::string RenditionKey(const std::string& version_id, cv1::RenditionKind kind) {
    return absl::StrCat(version_id, "#", static_cast<int>(kind));
  }

  cv1::Version AddVersionLocked(const std::string& file_name, const std::string& media_type,
                                const std::string& bytes, bool inline_safe)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    StoredVersion stored;
    stored.version.set_id(absl::StrCat("00000000-0000-7000-8000-", 100000000000 + ++next_id_));
    stored.version.set_item_id(absl::StrCat("00000000-0000-7000-9000-", 100000000000 + next_id_));
    stored.version.set_number(1);
    stored.version.set_file_name(file_name);
    stored.version.set_size(static_cast<int64_t>(bytes.size()));
    stored.version.set_media_type(media_type);
    stored.version.set_sha256(absl::BytesToHexString(Sha256(bytes)));
    stored.version.set_scan_state(cv1::SCAN_STATE_CLEAN);
    stored.bytes = bytes;
    stored.inline_safe = inline_safe;
    cv1::Version version = stored.version;
    versions_[version.id()] = std::move(stored);
    return version;
  }

  void Note(const ::grpc::ServerContext& context) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    seen_.last_request_id = Metadata(context, "x-request-id");
    seen_.last_forwarded_for = Metadata(context, "x-forwarded-for");
  }

  // Completes an upload whose bytes all counted: an item with its first version.
  void CompleteIfFull(StoredUpload& stored) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    cv1::Upload& upload = stored.upload;
    upload.set_offset(static_cast<int64_t>(stored.bytes.size()));
    if (upload.offset() != upload.size() || upload.has_item()) return;
    const std::string type = stored.declared_media_type.empty() ? "application/octet-stream"
                                                                : stored.declared_media_type;
    cv1::Version version = AddVersionLocked(upload.file_name(), type, stored.bytes, false);
    cv1::Item& item = *upload.mutable_item();
    item.set_id(version.item_id());
    item.set_kind(cv1::ITEM_KIND_FILE);
    item.set_title(upload.file_name());
    *item.mutable_current_version() = version;
  }

  ::grpc::Status CreateUpload(::grpc::ServerContext* context,
                              const cv1::CreateUploadRequest* request,
                              cv1::CreateUploadResponse* response) override {
    absl::MutexLock lock(&mu_);
    Note(*context);
    seen_.last_create = *request;
    if (Metadata(*context, "authorization").empty()) {
      return Refuse(Unauthenticated("TOKEN_REQUIRED", "sign in"));
    }
    if (request->size() <= 0) return Refuse(InvalidArgument("EMPTY_FILE", "an empty file"));
    if (request->file_name().empty()) {
      return Refuse(InvalidArgument("INVALID_FILE_NAME", "the file needs a name"));
    }
    if (request->request_id().empty()) {
      return Refuse(InvalidArgument("INVALID_REQUEST_ID", "a request id is required"));
    }
    if (auto it = by_request_id_.find(request->request_id()); it != by_request_id_.end()) {
      *response->mutable_upload() = uploads_[it->second].upload;
      return ::grpc::Status::OK;
    }
    StoredUpload stored;
    stored.upload.set_id(absl::StrCat("00000000-0000-7000-a000-", 100000000000 + ++next_id_));
    stored.upload.set_file_name(request->file_name());
    stored.upload.set_size(request->size());
    stored.upload.mutable_expire_time()->set_seconds(absl::ToUnixSeconds(absl::Now()) + 86400);
    stored.declared_media_type = request->declared_media_type();
    *response->mutable_upload() = stored.upload;
    by_request_id_[request->request_id()] = stored.upload.id();
    uploads_[stored.upload.id()] = std::move(stored);
    return ::grpc::Status::OK;
  }

  ::grpc::Status GetUpload(::grpc::ServerContext* context, const cv1::GetUploadRequest* request,
                           cv1::GetUploadResponse* response) override {
    absl::MutexLock lock(&mu_);
    Note(*context);
    auto it = uploads_.find(request->upload_id());
    if (it == uploads_.end()) return Refuse(NotFound("UPLOAD_NOT_FOUND", "no such upload"));
    *response->mutable_upload() = it->second.upload;
    return ::grpc::Status::OK;
  }

  ::grpc::Status AppendUpload(::grpc::ServerContext* context,
                              const cv1::AppendUploadRequest* request,
                              cv1::AppendUploadResponse* response) override {
    absl::MutexLock lock(&mu_);
    Note(*context);
    const int64_t size = static_cast<int64_t>(request->data().size());
    ++seen_.appends;
    if (request->hold()) ++seen_.held_appends;
    seen_.largest_append = std::max(seen_.largest_append, size);
    auto it = uploads_.find(request->upload_id());
    if (it == uploads_.end()) return Refuse(NotFound("UPLOAD_NOT_FOUND", "no such upload"));
    StoredUpload& stored = it->second;
    if (size > kMaxChunk) return Refuse(InvalidArgument("CHUNK_TOO_LARGE", "at most 2 MiB"));
    if (stored.upload.has_item()) {
      return Refuse(FailedPrecondition("UPLOAD_COMPLETE", "the upload is complete"));
    }
    // As the service does: writing from the counted offset starts over, dropping held bytes.
    if (request->offset() == static_cast<int64_t>(stored.bytes.size())) stored.held.clear();
    const int64_t stands = static_cast<int64_t>(stored.bytes.size() + stored.held.size());
    if (request->offset() != stands) {
      return Refuse(
          FailedPrecondition("OFFSET_MISMATCH", absl::StrCat("the upload stands at ", stands)));
    }
    if (stands + size > stored.upload.size()) {
      return Refuse(InvalidArgument("BEYOND_UPLOAD_SIZE", "past the declared size"));
    }
    if (request->hold()) {
      stored.held += request->data();
    } else {
      stored.bytes += request->data();
      CompleteIfFull(stored);
    }
    *response->mutable_upload() = stored.upload;
    return ::grpc::Status::OK;
  }

  ::grpc::Status ConfirmUpload(::grpc::ServerContext* context,
                               const cv1::ConfirmUploadRequest* request,
                               cv1::ConfirmUploadResponse* response) override {
    absl::MutexLock lock(&mu_);
    Note(*context);
    ++seen_.confirms;
    auto it = uploads_.find(request->upload_id());
    if (it == uploads_.end()) return Refuse(NotFound("UPLOAD_NOT_FOUND", "no such upload"));
    StoredUpload& stored = it->second;
    if (stored.held.empty() ||
        request->from_offset() != static_cast<int64_t>(stored.bytes.size())) {
      return Refuse(FailedPrecondition("NOTHING_HELD", "no held bytes start there"));
    }
    const std::string held = std::move(stored.held);
    stored.held.clear();
    if (Sha256(held) != request->sha256()) {
      return Refuse(FailedPrecondition("CHECKSUM_MISMATCH", "the held bytes differ"));
    }
    stored.bytes += held;
    CompleteIfFull(stored);
    *response->mutable_upload() = stored.upload;
    return ::grpc::Status::OK;
  }

  ::grpc::Status CancelUpload(::grpc::ServerContext* context,
                              const cv1::CancelUploadRequest* request,
                              cv1::CancelUploadResponse*) override {
    absl::MutexLock lock(&mu_);
    Note(*context);
    auto it = uploads_.find(request->upload_id());
    if (it == uploads_.end()) return Refuse(NotFound("UPLOAD_NOT_FOUND", "no such upload"));
    if (it->second.upload.has_item()) {
      return Refuse(FailedPrecondition("UPLOAD_COMPLETE", "the upload is complete"));
    }
    uploads_.erase(it);
    return ::grpc::Status::OK;
  }

  ::grpc::Status OpenDownload(::grpc::ServerContext* context,
                              const cv1::OpenDownloadRequest* request,
                              cv1::OpenDownloadResponse* response) override {
    absl::MutexLock lock(&mu_);
    Note(*context);
    ++seen_.opens;
    seen_.last_link = request->link();
    seen_.last_rendition = request->rendition();
    seen_.last_open_authorized = !Metadata(*context, "authorization").empty();
    if (!seen_.last_open_authorized && request->link().empty()) {
      return Refuse(Unauthenticated("LINK_REQUIRED", "a token or a link is required"));
    }
    if (!request->link().empty() && request->link() != LinkFor(request->version_id())) {
      return Refuse(PermissionDenied("INVALID_LINK", "the link is not valid"));
    }
    auto it = versions_.find(request->version_id());
    if (it == versions_.end()) return Refuse(NotFound("VERSION_NOT_FOUND", "no such version"));
    *response->mutable_version() = it->second.version;
    std::string opened = request->version_id();
    if (request->rendition() != cv1::RENDITION_KIND_UNSPECIFIED) {
      opened = RenditionKey(opened, request->rendition());
      auto rendition = versions_.find(opened);
      if (rendition == versions_.end()) {
        return Refuse(NotFound("RENDITION_NOT_READY", "no such rendition yet"));
      }
      *response->mutable_rendition() = rendition->second.rendition;
      it = rendition;
    }
    const std::string token = absl::StrCat("read:", ++next_token_, ":", opened);
    if (reads_per_token_ > 0) reads_left_[token] = reads_per_token_;
    response->set_read_token(token);
    response->set_inline_safe(it->second.inline_safe);
    return ::grpc::Status::OK;
  }

  ::grpc::Status ReadContent(::grpc::ServerContext* context, const cv1::ReadContentRequest* request,
                             cv1::ReadContentResponse* response) override {
    absl::MutexLock lock(&mu_);
    Note(*context);
    ++seen_.reads;
    seen_.largest_read = std::max(seen_.largest_read, request->length());
    if (!Metadata(*context, "authorization").empty()) seen_.read_authorized = true;
    // "read:<n>:<version id>"
    absl::string_view token = request->read_token();
    std::string version_id;
    if (absl::ConsumePrefix(&token, "read:") && token.find(':') != absl::string_view::npos) {
      version_id = std::string(token.substr(token.find(':') + 1));
    }
    if (!versions_.contains(version_id)) {
      return Refuse(PermissionDenied("INVALID_READ_TOKEN", "not a read token"));
    }
    if (auto left = reads_left_.find(request->read_token()); left != reads_left_.end()) {
      if (left->second == 0) {
        return Refuse(PermissionDenied("READ_TOKEN_EXPIRED", "the read token expired"));
      }
      --left->second;
    }
    if (request->length() < 1 || request->length() > kMaxChunk) {
      return Refuse(InvalidArgument("CHUNK_TOO_LARGE", "1 byte to 4 MiB"));
    }
    const std::string& bytes = versions_[version_id].bytes;
    if (request->offset() < 0 || request->offset() >= static_cast<int64_t>(bytes.size())) {
      return Refuse(Error(absl::StatusCode::kOutOfRange, "OFFSET_BEYOND_END", "past the end"));
    }
    response->set_data(bytes.substr(static_cast<size_t>(request->offset()),
                                    static_cast<size_t>(request->length())));
    return ::grpc::Status::OK;
  }

  mutable absl::Mutex mu_;
  int64_t next_id_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, StoredUpload> uploads_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string> by_request_id_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, StoredVersion> versions_ ABSL_GUARDED_BY(mu_);
  Seen seen_ ABSL_GUARDED_BY(mu_);
  int64_t next_token_ ABSL_GUARDED_BY(mu_) = 0;
  int reads_per_token_ ABSL_GUARDED_BY(mu_) = 0;  // 0: tokens never expire
  std::map<std::string, int> reads_left_ ABSL_GUARDED_BY(mu_);
};

ContentDouble::ContentDouble() : service_(std::make_unique<Service>()) {
  ::grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", ::grpc::InsecureServerCredentials(), &port_);
  builder.RegisterService(service_.get());
  builder.SetMaxReceiveMessageSize(8 * 1024 * 1024);
  server_ = builder.BuildAndStart();
}

ContentDouble::~ContentDouble() { server_->Shutdown(); }

void ContentDouble::AddRendition(const std::string& version_id, cv1::RenditionKind kind,
                                 const std::string& bytes) {
  service_->AddRendition(version_id, kind, bytes);
}

std::string ContentDouble::AddVersion(const std::string& file_name, const std::string& media_type,
                                      const std::string& bytes, bool inline_safe) {
  return service_->AddVersion(file_name, media_type, bytes, inline_safe);
}

ContentDouble::Seen ContentDouble::seen() const { return service_->seen(); }

void ContentDouble::ExpireReadTokensAfter(int reads) { service_->ExpireReadTokensAfter(reads); }

std::string ContentDouble::UploadedBytes(const std::string& upload_id) const {
  return service_->UploadedBytes(upload_id);
}

}  // namespace parta::gateway::testing
