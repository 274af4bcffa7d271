#include "services/gateway/files/local_blobs.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace parta::gateway {

LocalBlobs::File::~File() { ::close(fd_); }

namespace {

bool IsBlobName(const std::string& sha256) {
  if (sha256.size() != 64) return false;
  for (char c : sha256) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c)) && (c < 'a' || c > 'f')) return false;
  }
  return true;
}

}  // namespace

LocalBlobs::LocalBlobs(std::string root)
    : root_(std::move(root)), pool_("gateway-blob-reads", 2, 4096) {}

void LocalBlobs::Run(std::function<void()> task) {
  if (!pool_.TrySubmit(task)) task();
}

void LocalBlobs::Open(const std::string& sha256, std::function<void(std::shared_ptr<File>)> done) {
  // Only a hash names a file: nothing a client sends can reach another path.
  if (!IsBlobName(sha256)) return done(nullptr);
  const std::string path =
      absl::StrCat(root_, "/blobs/", sha256.substr(0, 2), "/", sha256.substr(2, 2), "/", sha256);
  Run([path, done = std::move(done)] {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    done(fd < 0 ? nullptr : std::make_shared<File>(fd));
  });
}

void LocalBlobs::Prefetch(std::shared_ptr<File> file, int64_t offset, int64_t length,
                          std::function<void()> done) {
  Run([file = std::move(file), offset, length, done = std::move(done)] {
    // Starts reading the pages (or fails quietly: sendfile then reads them itself).
    ::readahead(file->descriptor(), static_cast<off64_t>(offset), static_cast<size_t>(length));
    done();
  });
}

}  // namespace parta::gateway
