#pragma once

// tus 1.0 at /v1/uploads over ContentService's upload calls (see services/gateway/README.md,
// "File transfers"). The body of a PATCH (or of a creation-with-upload POST) is streamed: read
// up to 1 MiB, sent with AppendUpload, and only when the call has answered is more read, so a
// transfer holds one piece at a time and a slow content service slows the client down. Without
// a checksum every piece counts as it is written: when the client goes away midway, what arrived
// stays and HEAD tells where to resume. With `Upload-Checksum: sha256 …` the pieces are held
// (AppendUpload `hold`), hashed here as they pass, and ConfirmUpload makes them count only when
// the digest matches (460 otherwise).

#include <cstdint>
#include <memory>

#include "services/gateway/files/content_calls.h"
#include "services/gateway/files/file_exchange.h"

namespace parta::gateway {

class TusUploads {
 public:
  TusUploads(ContentCalls& content, const CorsPolicy& cors, int64_t max_file_bytes);

  // OPTIONS: the server's tus capabilities and, for allowed origins, the CORS preflight.
  void Options(const std::shared_ptr<FileExchange>& exchange) const;
  // Whether the request speaks tus 1.0.0; otherwise answers 412 with Tus-Version.
  bool CheckVersion(const std::shared_ptr<FileExchange>& exchange) const;

  void Create(const std::shared_ptr<FileExchange>& exchange);  // POST /v1/uploads
  void Head(const std::shared_ptr<FileExchange>& exchange, const std::string& upload_id);
  void Patch(const std::shared_ptr<FileExchange>& exchange, const std::string& upload_id);
  void Terminate(const std::shared_ptr<FileExchange>& exchange, const std::string& upload_id);

 private:
  ContentCalls& content_;
  const CorsPolicy& cors_;
  const int64_t max_file_bytes_;
};

}  // namespace parta::gateway
