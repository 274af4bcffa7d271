#include "services/content/storage/media_sniffer.h"

#include <magic.h>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "libs/core/status.h"
#include "services/content/domain/media_types.h"

namespace parta::content {

// A magic_t is not safe for concurrent use: one handle behind a lock (sniffing reads 64 KiB
// from memory, far less than the upload that precedes it).
struct MediaSniffer::Impl {
  mutable absl::Mutex mu;
  magic_t cookie ABSL_GUARDED_BY(mu) = nullptr;
};

absl::StatusOr<std::unique_ptr<MediaSniffer>> MediaSniffer::Open() {
  auto impl = std::make_unique<Impl>();
  absl::MutexLock lock(&impl->mu);
  impl->cookie = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_ERROR);
  if (impl->cookie == nullptr || magic_load(impl->cookie, nullptr) != 0) {
    return Unavailable("MAGIC_UNAVAILABLE", "libmagic's database cannot be loaded");
  }
  return std::unique_ptr<MediaSniffer>(new MediaSniffer(std::move(impl)));
}

MediaSniffer::MediaSniffer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

MediaSniffer::~MediaSniffer() {
  absl::MutexLock lock(&impl_->mu);
  if (impl_->cookie != nullptr) magic_close(impl_->cookie);
}

std::string MediaSniffer::TypeOf(absl::string_view head) const {
  absl::MutexLock lock(&impl_->mu);
  const char* type = magic_buffer(impl_->cookie, head.data(), head.size());
  if (type == nullptr) return "application/octet-stream";
  return EssenceOf(type);
}

}  // namespace parta::content
