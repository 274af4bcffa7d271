#pragma once

// Scans what waits: every blob that a version waits on is streamed to clamd once, and the
// verdict goes to all its versions. Until then, only uploaders may fetch their versions; an
// infected version is never served. Each uploader is told on his own channel.

#include "absl/status/statusor.h"
#include "libs/core/clock.h"
#include "libs/core/random.h"
#include "libs/redis/client.h"
#include "services/content/scanning/clamav_client.h"
#include "services/content/storage/blob_store.h"
#include "services/content/store/content_store.h"

namespace parta::content {

class Scanner {
 public:
  Scanner(ContentStore& store, BlobStore& blobs, const ClamAvClient& clamav, redis::Pool& redis,
          const Clock& clock, IdGenerator& ids)
      : store_(store), blobs_(blobs), clamav_(clamav), redis_(redis), clock_(clock), ids_(ids) {}

  // Scans the blobs waiting now; answers how many got a verdict. A scanner that fails stops the
  // round (the blobs wait for the next one): nothing is ever marked clean without a scan.
  absl::StatusOr<int> ScanPending();

 private:
  void TellUploaders(const std::vector<ContentStore::ScannedVersion>& versions,
                     const ScanVerdict& verdict);

  ContentStore& store_;
  BlobStore& blobs_;
  const ClamAvClient& clamav_;
  redis::Pool& redis_;
  const Clock& clock_;
  IdGenerator& ids_;
};

}  // namespace parta::content
