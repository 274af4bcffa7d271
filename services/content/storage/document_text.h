#pragma once

// The words search reads of a file: the start of a plain-text file, the text of a PDF's pages
// (poppler); nothing of other types. At most kMaxSearchTextBytes of UTF-8, cut at a character.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace parta::content {

inline constexpr size_t kMaxSearchTextBytes = 64 * 1024;
// PDFs larger than this are found by their title and description only: their text is read
// while the upload completes, and a large document would hold the uploader's last request.
inline constexpr int64_t kMaxPdfBytesForText = 32 * 1024 * 1024;

// Whether ExtractText reads anything of files of this type and size (a PDF needs its whole
// bytes; text needs only its start).
bool NeedsWholeFile(absl::string_view media_type, int64_t size);

// `bytes`: the whole file for a PDF, its start (at least kMaxSearchTextBytes) for text.
// nullopt when the type has no text or the bytes are not readable as such (a Windows-1251 text
// file, a damaged PDF).
std::optional<std::string> ExtractText(absl::string_view media_type, absl::string_view bytes);

}  // namespace parta::content
