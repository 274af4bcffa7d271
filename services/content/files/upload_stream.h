#pragma once

// One UploadFile stream: the upload its first message names is started or continued, the
// stream's bytes are written through Uploads (the same checks, quota, hashing, completion and
// scanning as AppendUpload), and the stream's end answers the complete upload. Bytes count as
// they are written, so a stream that breaks loses nothing written and a retry with the same
// request id continues from the upload's offset.

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "parta/content/v1/content.pb.h"
#include "services/content/files/uploads.h"

namespace parta::content {

class UploadStream {
 public:
  // `caller` uploads into his own files; request ids are his own.
  UploadStream(Uploads& uploads, std::string caller);

  // The next message of the stream. The first starts or continues its upload
  // (FAILED_PRECONDITION `OFFSET_MISMATCH` when its offset is not where the upload stands).
  // Bytes are gathered into pieces of up to 2 MiB before they are written, so small messages do
  // not cost a transaction each. An error ends the stream; a message refused for its own bytes
  // (`CHUNK_TOO_LARGE`, `BEYOND_UPLOAD_SIZE`) drops what was gathered and not written yet, so
  // that a refused stream never completes an upload.
  absl::Status Receive(const v1::UploadFileRequest& message);

  // The client sent its last message: the rest is written and the complete upload answered, or
  // FAILED_PRECONDITION `UPLOAD_INCOMPLETE` saying where the upload stands.
  absl::StatusOr<v1::Upload> End();

  // The stream broke: what arrived is written, so that it counts for a retry.
  void Abandon();

 private:
  // Writes the gathered bytes at the upload's offset.
  absl::Status Flush();

  Uploads& uploads_;
  const std::string caller_;
  std::optional<v1::Upload> upload_;  // as its last write left it; set by the first message
  std::string gathered_;              // arrived, not written yet; under 2 MiB between messages
};

}  // namespace parta::content
