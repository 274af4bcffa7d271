#include "services/gateway/files/tus_uploads.h"

#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "libs/core/random.h"
#include "libs/core/status.h"
#include "services/gateway/files/sha256_stream.h"
#include "services/gateway/files/tus_headers.h"
#include "services/gateway/rest/rest_handler.h"

namespace parta::gateway {
namespace {

namespace cv1 = content::v1;

// The most bytes sent in one AppendUpload (the service takes up to 2 MiB).
constexpr size_t kAppendBytes = 1024 * 1024;

// tus answers for the errors its clients act on; the rest follow the standard table.
int TusStatusOf(const absl::Status& status) {
  const std::string reason = ReasonOf(status);
  if (reason == "OFFSET_MISMATCH") return 409;
  if (reason == "CHECKSUM_MISMATCH") return kChecksumMismatchStatus;
  // A quota is not a rate: no Retry-After, and the upload is gone.
  if (reason == "BEYOND_UPLOAD_SIZE" || reason == "FILE_TOO_LARGE" ||
      reason == "QUOTA_EXCEEDED") {
    return 413;
  }
  return 0;
}

void FailTus(FileExchange& exchange, const absl::Status& status) {
  exchange.Fail(status, TusStatusOf(status));
}

absl::Time TimeOf(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) + absl::Nanoseconds(timestamp.nanos());
}

// Where the upload stands: its offset, its expiry while unfinished, its item once complete.
void AddUploadState(const cv1::Upload& upload, HttpResponse& response) {
  response.headers.emplace_back("Upload-Offset", std::to_string(upload.offset()));
  if (!upload.has_item() && upload.has_expire_time()) {
    response.headers.emplace_back("Upload-Expires", HttpDate(TimeOf(upload.expire_time())));
  }
  if (upload.has_item()) {
    response.headers.emplace_back("Parta-Item-Id", upload.item().id());
    // The version this upload made (the item may have newer ones since).
    response.headers.emplace_back(
        "Parta-Version-Id",
        upload.has_version() ? upload.version().id() : upload.item().current_version().id());
  }
}

HttpResponse NoContent(int status = 204) {
  HttpResponse response;
  response.status = status;
  response.content_type.clear();
  return response;
}

// Whether a request carries a body (a length above zero, or chunks).
bool HasBody(const HttpRequest& request) {
  if (request.has_header("Transfer-Encoding")) return true;
  const std::optional<int64_t> length = ParseUploadNumber(request.header("Content-Length"));
  return length.value_or(0) > 0;
}

// Streams a request body into an upload, one piece in flight (see the header). `finished` gets
// the upload after the body's last byte counted, or the error that stopped it; it is not called
// when the client went away (what arrived is kept, unless it was held for a checksum).
class UploadPump : public std::enable_shared_from_this<UploadPump> {
 public:
  using Finished = std::function<void(absl::StatusOr<cv1::Upload>)>;

  UploadPump(ContentCalls& content, std::shared_ptr<FileExchange> exchange, cv1::Upload upload,
             std::optional<std::string> checksum, Finished finished)
      : content_(content),
        exchange_(std::move(exchange)),
        upload_(std::move(upload)),
        start_offset_(upload_.offset()),
        checksum_(std::move(checksum)),
        finished_(std::move(finished)) {}

  void Start() { ReadMore(); }

 private:
  bool holding() const { return checksum_.has_value(); }
  int64_t next_offset() const { return start_offset_ + sent_; }

  void ReadMore() {
    exchange_->transfer().ReadBody(
        kAppendBytes - buffer_.size(),
        [self = shared_from_this()](absl::StatusOr<TransferExchange::BodyPiece> piece) {
          self->OnPiece(std::move(piece));
        });
  }

  void OnPiece(absl::StatusOr<TransferExchange::BodyPiece> piece) {
    if (!piece.ok()) return OnClientGone();
    if (next_offset() + static_cast<int64_t>(buffer_.size() + piece->data.size()) >
        upload_.size()) {
      return Stop(
          InvalidArgument("BEYOND_UPLOAD_SIZE", "the body goes past the upload's Upload-Length"));
    }
    buffer_ += piece->data;
    if (buffer_.size() >= kAppendBytes || piece->end) return Append(piece->end);
    ReadMore();
  }

  void Append(bool end, bool then_stop = false) {
    if (buffer_.empty()) {
      if (end) Complete();
      return;
    }
    cv1::AppendUploadRequest request;
    request.set_upload_id(upload_.id());
    request.set_offset(next_offset());
    request.set_hold(holding());
    const int64_t size = static_cast<int64_t>(buffer_.size());
    request.set_data(std::move(buffer_));
    buffer_.clear();
    content_.AppendUpload(exchange_->caller(), std::move(request),
                          [self = shared_from_this(), end, size,
                           then_stop](absl::StatusOr<cv1::AppendUploadResponse> response) {
                            if (then_stop) return;  // the client is gone: nobody to tell
                            if (!response.ok()) return self->Stop(response.status());
                            self->sent_ += size;
                            self->upload_ = response->upload();
                            if (end) return self->Complete();
                            self->ReadMore();
                          });
  }

  // The body ended and every piece was written. Held pieces count once the service finds the
  // client's checksum in them (CHECKSUM_MISMATCH otherwise, and they are dropped); the bytes
  // are hashed there, where they are, not here too.
  void Complete() {
    if (!holding()) return finished_(upload_);
    if (sent_ == 0) {
      // An empty body holds nothing to confirm: only its digest is checked.
      if (Sha256Stream().Finish() == *checksum_) return finished_(upload_);
      return finished_(Error(absl::StatusCode::kFailedPrecondition, "CHECKSUM_MISMATCH",
                             "the body's SHA-256 is not Upload-Checksum's"));
    }
    cv1::ConfirmUploadRequest request;
    request.set_upload_id(upload_.id());
    request.set_from_offset(start_offset_);
    request.set_sha256(*checksum_);
    content_.ConfirmUpload(
        exchange_->caller(), std::move(request),
        [self = shared_from_this()](absl::StatusOr<cv1::ConfirmUploadResponse> response) {
          if (!response.ok()) return self->finished_(response.status());
          self->finished_(response->upload());
        });
  }

  // An error ends the PATCH. Bytes held for a checksum never counted, and the service drops
  // them when the client's next PATCH starts again from the upload's offset (HEAD's answer),
  // so nothing here has to undo them: a late undo could drop a newer PATCH's bytes.
  void Stop(absl::Status error) { finished_(std::move(error)); }

  void OnClientGone() {
    exchange_->RecordAbandoned();
    // Unverified bytes never count; resumability keeps what arrived unheld.
    if (!holding()) Append(/*end=*/false, /*then_stop=*/true);
  }

  ContentCalls& content_;
  const std::shared_ptr<FileExchange> exchange_;
  cv1::Upload upload_;                         // as the last call left it
  const int64_t start_offset_;                 // where this body's first byte goes
  int64_t sent_ = 0;                           // bytes of this body written (held or counted)
  std::string buffer_;                         // read, not yet written: at most kAppendBytes
  const std::optional<std::string> checksum_;  // the client's SHA-256, when it sent one
  Finished finished_;
};

// The client's checksum when it sent one; nullopt when none; an error when it is unusable.
absl::StatusOr<std::optional<std::string>> ChecksumOf(const HttpRequest& request) {
  if (!request.has_header("Upload-Checksum")) return std::optional<std::string>();
  ASSIGN_OR_RETURN(std::string digest, ParseSha256Checksum(request.header("Upload-Checksum")));
  return std::optional<std::string>(std::move(digest));
}

}  // namespace

TusUploads::TusUploads(ContentCalls& content, const CorsPolicy& cors, int64_t max_file_bytes)
    : content_(content), cors_(cors), max_file_bytes_(max_file_bytes) {}

void TusUploads::Options(const std::shared_ptr<FileExchange>& exchange) const {
  HttpResponse response = NoContent();
  response.headers.emplace_back("Tus-Version", std::string(kTusVersion));
  response.headers.emplace_back("Tus-Extension", std::string(kTusExtensions));
  response.headers.emplace_back("Tus-Max-Size", std::to_string(max_file_bytes_));
  response.headers.emplace_back("Tus-Checksum-Algorithm", std::string(kTusChecksumAlgorithms));
  cors_.DecoratePreflight(exchange->request().origin, "POST, HEAD, PATCH, DELETE, OPTIONS",
                          "authorization, content-type, x-request-id, traceparent, "
                          "tus-resumable, upload-length, upload-metadata, upload-offset, "
                          "upload-checksum, upload-defer-length",
                          response);
  exchange->Respond(std::move(response));
}

bool TusUploads::CheckVersion(const std::shared_ptr<FileExchange>& exchange) const {
  if (exchange->request().header("Tus-Resumable") == kTusVersion) return true;
  HttpResponse response =
      ErrorResponse(FailedPrecondition("TUS_VERSION_UNSUPPORTED", "send Tus-Resumable: 1.0.0"),
                    exchange->request_id(), 412);
  response.headers.emplace_back("Tus-Version", std::string(kTusVersion));
  exchange->Respond(std::move(response));
  return false;
}

void TusUploads::Create(const std::shared_ptr<FileExchange>& exchange) {
  const HttpRequest& request = exchange->request();
  if (request.has_header("Upload-Defer-Length")) {
    return exchange->Fail(
        InvalidArgument("DEFER_LENGTH_UNSUPPORTED", "send Upload-Length: the size must be known"));
  }
  const std::optional<int64_t> length = ParseUploadNumber(request.header("Upload-Length"));
  if (!length) {
    return exchange->Fail(
        InvalidArgument("INVALID_UPLOAD_LENGTH", "Upload-Length must be the file's size"));
  }
  if (*length > max_file_bytes_) {
    return exchange->Fail(
        FailedPrecondition("FILE_TOO_LARGE", absl::StrCat("files are at most ", max_file_bytes_,
                                                          " bytes (Tus-Max-Size)")),
        413);
  }
  absl::StatusOr<std::map<std::string, std::string>> metadata =
      ParseUploadMetadata(request.header("Upload-Metadata"));
  if (!metadata.ok()) return exchange->Fail(metadata.status());
  const bool with_body = HasBody(request);
  absl::StatusOr<std::optional<std::string>> checksum = ChecksumOf(request);
  if (with_body) {
    if (!IsOffsetOctetStream(request.content_type)) {
      return exchange->Fail(InvalidArgument("UNSUPPORTED_MEDIA_TYPE",
                                            "the body must be application/offset+octet-stream"),
                            415);
    }
    if (!checksum.ok()) return exchange->Fail(checksum.status());
  }

  cv1::CreateUploadRequest create;
  auto value = [&](const char* key) {
    auto it = metadata->find(key);
    return it == metadata->end() ? std::string() : it->second;
  };
  create.set_file_name(value("filename"));
  create.set_declared_media_type(value("filetype"));
  create.set_item_id(value("itemId"));
  create.set_request_id(value("requestId"));
  if (create.request_id().empty()) create.set_request_id(NewRequestId(absl::Now()));
  create.set_size(*length);
  std::optional<std::string> digest;
  if (with_body) digest = *std::move(checksum);
  content_.CreateUpload(
      exchange->caller(), std::move(create),
      [this, exchange, with_body,
       digest = std::move(digest)](absl::StatusOr<cv1::CreateUploadResponse> created) mutable {
        if (!created.ok()) return FailTus(*exchange, created.status());
        const std::string location = absl::StrCat("/v1/uploads/", created->upload().id());
        auto answer = [exchange, location](absl::StatusOr<cv1::Upload> upload) {
          if (!upload.ok()) {
            HttpResponse failure = ErrorResponse(upload.status(), exchange->request_id(),
                                                 TusStatusOf(upload.status()));
            failure.headers.emplace_back("Location", location);
            return exchange->Respond(std::move(failure));
          }
          HttpResponse response = NoContent(201);
          response.headers.emplace_back("Location", location);
          AddUploadState(*upload, response);
          exchange->Respond(std::move(response));
        };
        // A retried creation answers an upload that already has bytes: its body is not sent
        // again at another offset; the client goes on with PATCH from Upload-Offset.
        if (!with_body || created->upload().offset() != 0 || created->upload().has_item()) {
          return answer(created->upload());
        }
        std::make_shared<UploadPump>(content_, exchange, created->upload(), std::move(digest),
                                     std::move(answer))
            ->Start();
      });
}

void TusUploads::Head(const std::shared_ptr<FileExchange>& exchange, const std::string& upload_id) {
  cv1::GetUploadRequest request;
  request.set_upload_id(upload_id);
  content_.GetUpload(exchange->caller(), std::move(request),
                     [exchange](absl::StatusOr<cv1::GetUploadResponse> got) {
                       if (!got.ok()) return FailTus(*exchange, got.status());
                       HttpResponse response = NoContent(200);
                       response.headers.emplace_back("Upload-Length",
                                                     std::to_string(got->upload().size()));
                       response.headers.emplace_back("Cache-Control", "no-store");
                       AddUploadState(got->upload(), response);
                       exchange->Respond(std::move(response));
                     });
}

void TusUploads::Patch(const std::shared_ptr<FileExchange>& exchange,
                       const std::string& upload_id) {
  const HttpRequest& request = exchange->request();
  if (!IsOffsetOctetStream(request.content_type)) {
    return exchange->Fail(InvalidArgument("UNSUPPORTED_MEDIA_TYPE",
                                          "a PATCH body must be application/offset+octet-stream"),
                          415);
  }
  const std::optional<int64_t> offset = ParseUploadNumber(request.header("Upload-Offset"));
  if (!offset) {
    return exchange->Fail(
        InvalidArgument("INVALID_UPLOAD_OFFSET", "Upload-Offset must be where the bytes go"));
  }
  absl::StatusOr<std::optional<std::string>> checksum = ChecksumOf(request);
  if (!checksum.ok()) return exchange->Fail(checksum.status());
  const std::optional<int64_t> body_length = ParseUploadNumber(request.header("Content-Length"));

  // Where the upload stands decides before a byte of the body is read: a wrong offset or a
  // body too long is refused at once.
  cv1::GetUploadRequest get;
  get.set_upload_id(upload_id);
  content_.GetUpload(
      exchange->caller(), std::move(get),
      [this, exchange, offset = *offset, body_length,
       digest = *std::move(checksum)](absl::StatusOr<cv1::GetUploadResponse> got) mutable {
        if (!got.ok()) return FailTus(*exchange, got.status());
        const cv1::Upload& upload = got->upload();
        if (upload.offset() != offset) {
          HttpResponse response = ErrorResponse(
              FailedPrecondition("OFFSET_MISMATCH",
                                 absl::StrCat("the upload stands at ", upload.offset())),
              exchange->request_id(), 409);
          response.headers.emplace_back("Upload-Offset", std::to_string(upload.offset()));
          return exchange->Respond(std::move(response));
        }
        if (body_length && offset + *body_length > upload.size()) {
          return exchange->Fail(InvalidArgument("BEYOND_UPLOAD_SIZE",
                                                "the body goes past the upload's Upload-Length"),
                                413);
        }
        auto answer = [exchange](absl::StatusOr<cv1::Upload> done) {
          if (!done.ok()) return FailTus(*exchange, done.status());
          HttpResponse response = NoContent();
          AddUploadState(*done, response);
          exchange->Respond(std::move(response));
        };
        std::make_shared<UploadPump>(content_, exchange, upload, std::move(digest),
                                     std::move(answer))
            ->Start();
      });
}

void TusUploads::Terminate(const std::shared_ptr<FileExchange>& exchange,
                           const std::string& upload_id) {
  cv1::CancelUploadRequest request;
  request.set_upload_id(upload_id);
  content_.CancelUpload(exchange->caller(), std::move(request),
                        [exchange](absl::StatusOr<cv1::CancelUploadResponse> cancelled) {
                          if (!cancelled.ok()) return FailTus(*exchange, cancelled.status());
                          exchange->Respond(NoContent());
                        });
}

}  // namespace parta::gateway
