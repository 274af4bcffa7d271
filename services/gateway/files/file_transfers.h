#pragma once

// The gateway's streamed routes (http/transfer.h), served over ContentService when a `content`
// backend is configured:
//   OPTIONS, POST            /v1/uploads                tus discovery, creation
//   OPTIONS, HEAD, PATCH, DELETE /v1/uploads/{id}       tus core, termination
//   OPTIONS, GET, HEAD       /v1/files/{version_id}     downloads
// (GET /v1/uploads/{id} stays a REST route: ContentService.GetUpload as JSON.)
// Every request gets a request id and trace like REST ones, its bearer token checked off the
// I/O thread, the rate limit of a REST write (POST, PATCH, DELETE) or read (GET, HEAD), and is
// counted and logged under its route template.

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "services/gateway/auth/authenticator.h"
#include "services/gateway/files/content_calls.h"
#include "services/gateway/files/file_downloads.h"
#include "services/gateway/files/tus_uploads.h"
#include "services/gateway/gateway_metrics.h"
#include "services/gateway/http/transfer.h"
#include "services/gateway/rest/cors_policy.h"
#include "services/gateway/rest/rest_handler.h"

namespace parta::gateway {

struct FileTransferOptions {
  int64_t max_file_bytes = int64_t{2} << 30;           // the largest upload (Tus-Max-Size)
  std::string content_store_dir;                       // content's blob folder, if seen here
  absl::Duration backend_timeout = absl::Seconds(10);  // deadline of each content call
  std::vector<std::string> trusted_proxies;            // whose X-Forwarded-For is believed
  std::vector<std::string> cors_origins;
  bool access_log = true;
};

class FileTransfers final : public TransferHandler {
 public:
  // `admission` may be null (no rate limits). Everything must outlive this.
  FileTransfers(std::shared_ptr<::grpc::Channel> content, Authenticator& authenticator,
                Admission* admission, GatewayMetrics& metrics, FileTransferOptions options);
  ~FileTransfers() override;

  bool IsTransfer(absl::string_view method, absl::string_view path) const override;
  void HandleTransfer(HttpRequest request, std::shared_ptr<TransferExchange> exchange) override;

  // Cancels the content calls in flight and waits for their callbacks.
  void Shutdown();

 private:
  enum class Target { kNone, kUploads, kUpload, kFile };
  struct Match {
    Target target = Target::kNone;
    std::string id;  // the upload's or version's id
  };
  static Match MatchPath(absl::string_view path);
  // After the token check: rate limit, then the route's handler.
  void Dispatch(const std::shared_ptr<FileExchange>& exchange, const Match& match,
                const std::string& link);

  const FileTransferOptions options_;
  const CorsPolicy cors_;
  Authenticator& authenticator_;
  Admission* const admission_;
  GatewayMetrics& metrics_;
  ContentCalls content_;
  std::unique_ptr<LocalBlobs> local_blobs_;  // null unless content's folder is seen here
  TusUploads uploads_;
  FileDownloads downloads_;
  // What the rate limiter sees of these routes: their class (write or read) and access.
  Route write_route_;
  Route read_route_;
};

}  // namespace parta::gateway
