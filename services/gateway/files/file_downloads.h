#pragma once

// GET and HEAD /v1/files/{version_id}: a version's bytes, for its bearer-token reader or the
// holder of a signed link (`?link=`). OpenDownload checks access once and gives a read token;
// the bytes then come in pieces (sent from the blob's file with sendfile, 8 MiB at a time, when
// the gateway sees content's blob folder; otherwise 1 MiB pieces of ReadContent), each written
// to the client before the next is asked for, so a download holds at most one piece whatever
// the file's size; a read token that
// expires midway is renewed with another OpenDownload. Ranges (single:
// 206; several: 206 multipart/byteranges), If-None-Match (304) and If-Range against the strong
// ETag (the SHA-256), Content-Disposition with the original name, and a sandboxing CSP.
// `?rendition=thumbnail|preview` serves a picture made of the version instead (same access; its
// own hash as the ETag, its own name, always inline).

#include <memory>
#include <string>

#include "services/gateway/files/content_calls.h"
#include "services/gateway/files/file_exchange.h"
#include "services/gateway/files/local_blobs.h"

namespace parta::gateway {

class FileDownloads {
 public:
  // `local` (may be null): content's blob folder, when this gateway sees it.
  FileDownloads(ContentCalls& content, LocalBlobs* local, const CorsPolicy& cors)
      : content_(content), local_(local), cors_(cors) {}

  // OPTIONS: the CORS preflight (Range and the conditionals are allowed).
  void Options(const std::shared_ptr<FileExchange>& exchange) const;
  // GET or HEAD; `link` is the signed link of the query string ("" when none), `rendition` the
  // rendition asked for ("" for the file itself; 400 `INVALID_RENDITION` for an unknown one).
  void Download(const std::shared_ptr<FileExchange>& exchange, const std::string& version_id,
                const std::string& link, const std::string& rendition = "");

 private:
  ContentCalls& content_;
  LocalBlobs* const local_;
  const CorsPolicy& cors_;
};

// A media type the gateway passes on as it is: `type/subtype` of token characters only (no
// parameters, no spaces); anything else is served as application/octet-stream.
bool IsPlainMediaType(absl::string_view media_type);

}  // namespace parta::gateway
