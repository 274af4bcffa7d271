#pragma once

// Checks of what clients send the content service: file names, media types, sizes, ids.

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace parta::content {

// Longest file name, in characters.
inline constexpr int kMaxFileNameLength = 255;
// The most bytes one AppendUpload or ReadContent call carries: well under gRPC's 4 MiB message
// limit.
inline constexpr int64_t kMaxChunkBytes = 2 * 1024 * 1024;

// A file's name as people see it: valid UTF-8 of 1–255 characters, not blank, without path
// separators (`/`, `\`), control characters or the bidirectional overrides that disguise an
// extension ("…<U+202E>fdp.exe"), and not "." or "..". INVALID_ARGUMENT `INVALID_FILE_NAME`.
absl::Status CheckFileName(absl::string_view name);

// A folder's name, under the same rules (INVALID_ARGUMENT `INVALID_FOLDER_NAME`).
absl::Status CheckFolderName(absl::string_view name);

// What makes two folder names the same: NFC, then Unicode case folding (ICU), so "Уроки" and
// "УРОКИ" clash whatever the database's locale. `name` is valid UTF-8 (CheckFolderName).
std::string FolderNameKey(absl::string_view name);

// A media type as a client declares it: empty, or "type/subtype" of RFC 9110 token characters
// (parameters are not kept). INVALID_ARGUMENT `INVALID_MEDIA_TYPE`.
absl::Status CheckDeclaredMediaType(absl::string_view media_type);

// An id field that must be a UUID: INVALID_ARGUMENT `reason`.
absl::Status CheckId(absl::string_view id, absl::string_view reason);

}  // namespace parta::content
