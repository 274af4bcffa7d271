#pragma once

// The media type of bytes, read from the bytes themselves (libmagic), never from a file name.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace parta::content {

class MediaSniffer {
 public:
  // Loads libmagic's database.
  static absl::StatusOr<std::unique_ptr<MediaSniffer>> Open();
  ~MediaSniffer();

  // "type/subtype" of the bytes (their start is enough); application/octet-stream when unknown.
  // Safe from any thread.
  std::string TypeOf(absl::string_view head) const;

 private:
  struct Impl;
  explicit MediaSniffer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace parta::content
