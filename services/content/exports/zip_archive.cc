#include "services/content/exports/zip_archive.h"

#include <zip.h>

#include "absl/strings/str_cat.h"
#include "libs/core/status.h"

namespace parta::content {
namespace {

absl::Status ZipError(absl::string_view what, zip_t* archive) {
  return Internal("ARCHIVE_FAILED", absl::StrCat(what, ": ", zip_strerror(archive)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<ZipArchive>> ZipArchive::Create(const std::string& path,
                                                               absl::Time mtime) {
  int error = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  if (archive == nullptr) {
    zip_error_t details;
    zip_error_init_with_code(&details, error);
    absl::Status status =
        Internal("ARCHIVE_FAILED", absl::StrCat("cannot create ", path, ": ",
                                                zip_error_strerror(&details)));
    zip_error_fini(&details);
    return status;
  }
  return std::unique_ptr<ZipArchive>(new ZipArchive(archive, mtime));
}

ZipArchive::~ZipArchive() {
  if (archive_ != nullptr) zip_discard(archive_);
}

absl::Status ZipArchive::AddBytes(const std::string& name, std::string bytes) {
  const std::string& kept = buffers_.emplace_back(std::move(bytes));
  zip_source_t* source = zip_source_buffer(archive_, kept.data(), kept.size(), /*freep=*/0);
  if (source == nullptr) return ZipError("cannot add " + name, archive_);
  const zip_int64_t index =
      zip_file_add(archive_, name.c_str(), source, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE);
  if (index < 0) zip_source_free(source);
  return Added(name, index);
}

absl::Status ZipArchive::AddFile(const std::string& name, const std::string& file_path) {
  zip_source_t* source = zip_source_file(archive_, file_path.c_str(), 0, /*len=to the end*/ 0);
  if (source == nullptr) return ZipError("cannot add " + name, archive_);
  const zip_int64_t index =
      zip_file_add(archive_, name.c_str(), source, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE);
  if (index < 0) zip_source_free(source);
  return Added(name, index);
}

absl::Status ZipArchive::Added(const std::string& name, long long index) {
  if (index < 0) return ZipError("cannot add " + name, archive_);
  const auto at = static_cast<zip_uint64_t>(index);
  if (zip_file_set_mtime(archive_, at, absl::ToTimeT(mtime_), 0) != 0 ||
      zip_set_file_compression(archive_, at, ZIP_CM_DEFLATE, 6) != 0) {
    return ZipError("cannot describe " + name, archive_);
  }
  return absl::OkStatus();
}

absl::Status ZipArchive::Close() {
  if (zip_close(archive_) != 0) return ZipError("cannot write the archive", archive_);
  archive_ = nullptr;
  buffers_.clear();
  return absl::OkStatus();
}

}  // namespace parta::content
