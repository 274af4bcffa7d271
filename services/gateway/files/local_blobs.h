#pragma once

// The content service's blob folder, when this gateway sees it too (the same machine, or a
// volume both mount; PARTA_GATEWAY_CONTENT_STORE_DIR): a download then reads the bytes from the
// blob's file instead of asking content for them piece by piece. Access is still content's
// decision: a file is read only after OpenDownload answered its hash, and only until that
// answer's read token would have expired (then OpenDownload is asked again). The folder's layout
// is content's file store's (`blobs/ab/cd/<sha256>`, services/content/storage/file_blob_store).
// Files are opened on a small pool of their own, and each piece sent with sendfile from an HTTP
// thread is first read ahead into the page cache from there (readahead starts the reads; the
// kernel may return before they end, so a cold disk can still make an HTTP thread wait for
// the first pages of a piece).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "libs/core/executor.h"
#include "services/gateway/http/transfer.h"

namespace parta::gateway {

class LocalBlobs {
 public:
  explicit LocalBlobs(std::string root);

  // An open blob file; closed when the last reader lets go.
  class File final : public SendableFile {
   public:
    explicit File(int fd) : fd_(fd) {}
    ~File() override;
    File(const File&) = delete;
    File& operator=(const File&) = delete;
    int descriptor() const override { return fd_; }

   private:
    const int fd_;
  };

  // Opens the blob of `sha256` (64 lower-case hex digits) on the pool; `done` gets nullptr when
  // the folder does not have it (removed, or kept elsewhere) — the caller reads through content.
  void Open(const std::string& sha256, std::function<void(std::shared_ptr<File>)> done);
  // Reads `length` bytes from `offset` into the page cache on the pool (a piece about to be
  // sent with sendfile), then calls `done`.
  void Prefetch(std::shared_ptr<File> file, int64_t offset, int64_t length,
                std::function<void()> done);

 private:
  // Runs `task` on the pool, or here when the pool is full (the answer must come either way).
  void Run(std::function<void()> task);

  const std::string root_;
  BoundedExecutor pool_;
};

}  // namespace parta::gateway
