#pragma once

// A ZIP archive written to a file (libzip): entries from memory or from files on disk, deflated,
// named in UTF-8, all dated alike. Nothing is written until Close; an archive not closed leaves
// no file behind.

#include <deque>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

struct zip;

namespace parta::content {

class ZipArchive {
 public:
  // A new archive at `path` (replacing a file there) whose entries are dated `mtime`.
  static absl::StatusOr<std::unique_ptr<ZipArchive>> Create(const std::string& path,
                                                            absl::Time mtime);
  ~ZipArchive();
  ZipArchive(const ZipArchive&) = delete;
  ZipArchive& operator=(const ZipArchive&) = delete;

  // An entry holding `bytes` (kept until Close).
  absl::Status AddBytes(const std::string& name, std::string bytes);
  // An entry holding the file at `file_path` (read at Close).
  absl::Status AddFile(const std::string& name, const std::string& file_path);
  // Writes the archive.
  absl::Status Close();

 private:
  ZipArchive(struct zip* archive, absl::Time mtime) : archive_(archive), mtime_(mtime) {}
  absl::Status Added(const std::string& name, long long index);

  struct zip* archive_;
  const absl::Time mtime_;
  std::deque<std::string> buffers_;  // the bytes of AddBytes entries, stable until Close
};

}  // namespace parta::content
