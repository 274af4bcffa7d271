#pragma once

// ClamAV's daemon over its socket: the bytes of a blob are streamed to it with INSTREAM and it
// answers whether they carry a signature it knows. One connection per scan.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/content/storage/blob_store.h"

namespace parta::content {

struct ScanVerdict {
  bool infected = false;
  std::string signature;  // what was found, when infected
};

class ClamAvClient {
 public:
  // `address`: "unix:/path/clamd.sock" or "host:port". `timeout` bounds each send and receive.
  explicit ClamAvClient(std::string address, absl::Duration timeout = absl::Minutes(2));

  // Scans `size` bytes of blob `sha256`, read from `blobs` a piece at a time. UNAVAILABLE
  // `SCANNER_UNAVAILABLE` when clamd cannot be reached or fails (the scan is tried again later).
  absl::StatusOr<ScanVerdict> Scan(BlobStore& blobs, const std::string& sha256, int64_t size) const;

 private:
  absl::StatusOr<int> Connect() const;

  const std::string address_;
  const absl::Duration timeout_;
};

// clamd's answer to INSTREAM ("stream: OK", "stream: <name> FOUND", "… ERROR") as a verdict;
// FAILED_PRECONDITION `SCAN_FAILED` when clamd could not judge the bytes ("… ERROR"),
// UNAVAILABLE `SCANNER_UNAVAILABLE` for anything else. Exposed for tests.
absl::StatusOr<ScanVerdict> ParseClamdReply(absl::string_view reply);

}  // namespace parta::content
