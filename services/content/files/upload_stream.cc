#include "services/content/files/upload_stream.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "libs/core/log.h"
#include "libs/core/status.h"
#include "services/content/domain/validation.h"

namespace parta::content {

UploadStream::UploadStream(Uploads& uploads, std::string caller)
    : uploads_(uploads), caller_(std::move(caller)) {}

absl::Status UploadStream::Receive(const v1::UploadFileRequest& message) {
  if (!upload_) {
    // CreateUpload's rules and its idempotence: the same request id and description answer the
    // same upload, where it stands.
    ASSIGN_OR_RETURN(v1::Upload upload, uploads_.Create(caller_, message.upload()));
    if (message.offset() != upload.offset()) {
      return FailedPrecondition(
          "OFFSET_MISMATCH",
          absl::StrCat("the upload stands at offset ", upload.offset(), "; send from there"));
    }
    upload_ = std::move(upload);
  }
  const auto length = static_cast<int64_t>(message.data().size());
  if (length > kMaxChunkBytes) {
    return InvalidArgument("CHUNK_TOO_LARGE",
                           absl::StrCat("one message carries at most ", kMaxChunkBytes,
                                        " bytes; the upload stands at offset ", upload_->offset()));
  }
  const int64_t end = upload_->offset() + static_cast<int64_t>(gathered_.size()) + length;
  if (end > upload_->size()) {
    return InvalidArgument(
        "BEYOND_UPLOAD_SIZE",
        absl::StrCat("the upload is ", upload_->size(), " bytes; the stream's bytes reach ", end,
                     "; the upload stands at offset ", upload_->offset()));
  }
  if (static_cast<int64_t>(gathered_.size()) + length > kMaxChunkBytes) RETURN_IF_ERROR(Flush());
  gathered_.append(message.data());
  return absl::OkStatus();
}

absl::StatusOr<v1::Upload> UploadStream::End() {
  if (!upload_) {
    return InvalidArgument("INVALID_REQUEST_ID",
                           "the stream carried no message: an upload needs a request id");
  }
  RETURN_IF_ERROR(Flush());
  if (upload_->offset() < upload_->size()) {
    return FailedPrecondition(
        "UPLOAD_INCOMPLETE",
        absl::StrCat("the stream ended before the last byte: the upload stands at offset ",
                     upload_->offset(), " of ", upload_->size(), "; send the rest from there"));
  }
  return *upload_;
}

void UploadStream::Abandon() {
  if (!upload_) return;
  if (const absl::Status written = Flush(); !written.ok()) {
    log::Warning("bytes of a broken upload stream not written")
        .With("upload", upload_->id())
        .With("error", written.ToString());
  }
}

absl::Status UploadStream::Flush() {
  if (gathered_.empty()) return absl::OkStatus();
  v1::AppendUploadRequest append;
  append.set_upload_id(upload_->id());
  append.set_offset(upload_->offset());
  append.set_data(std::exchange(gathered_, std::string()));
  ASSIGN_OR_RETURN(*upload_, uploads_.Append(caller_, append));
  return absl::OkStatus();
}

}  // namespace parta::content
