#include "tests/e2e/zip_entries.h"

#include <zip.h>

#include <memory>

namespace parta::testing {

absl::StatusOr<std::map<std::string, std::string>> ZipEntries(const std::string& archive) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(archive.data(), archive.size(), 0, &error);
  if (source == nullptr) return absl::InternalError(zip_error_strerror(&error));
  zip_t* zip = zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &error);
  if (zip == nullptr) {
    zip_source_free(source);
    return absl::InvalidArgumentError(std::string("not a ZIP archive: ") +
                                      zip_error_strerror(&error));
  }
  std::unique_ptr<zip_t, int (*)(zip_t*)> open(zip, zip_close);
  std::map<std::string, std::string> entries;
  const zip_int64_t count = zip_get_num_entries(zip, 0);
  for (zip_int64_t i = 0; i < count; ++i) {
    zip_stat_t stat;
    if (zip_stat_index(zip, i, 0, &stat) != 0) return absl::InternalError("bad entry");
    zip_file_t* file = zip_fopen_index(zip, i, 0);
    if (file == nullptr) return absl::InternalError(std::string("cannot open ") + stat.name);
    std::string bytes(stat.size, '\0');
    const zip_int64_t read = zip_fread(file, bytes.data(), stat.size);
    zip_fclose(file);
    if (read != static_cast<zip_int64_t>(stat.size)) {
      return absl::InternalError(std::string("short entry ") + stat.name);
    }
    entries[stat.name] = std::move(bytes);
  }
  return entries;
}

}  // namespace parta::testing
