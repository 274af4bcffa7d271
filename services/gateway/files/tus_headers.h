#pragma once

// The headers of the tus 1.0 resumable upload protocol (https://tus.io/protocols/resumable-upload)
// as the gateway speaks it: core, creation, creation-with-upload, termination, checksum
// (sha256) and expiration.

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace parta::gateway {

inline constexpr absl::string_view kTusVersion = "1.0.0";
inline constexpr absl::string_view kTusExtensions =
    "creation,creation-with-upload,termination,checksum,expiration";
inline constexpr absl::string_view kTusChecksumAlgorithms = "sha256";
// The media type of a PATCH body.
inline constexpr absl::string_view kOffsetOctetStream = "application/offset+octet-stream";
// The status of a checksum that does not match (tus checksum extension).
inline constexpr int kChecksumMismatchStatus = 460;

// Upload-Offset and Upload-Length: a non-negative decimal integer below 2^63.
std::optional<int64_t> ParseUploadNumber(absl::string_view text);

// Upload-Metadata: comma-separated `key base64(value)` pairs (or a lone key: empty value).
// INVALID_ARGUMENT (INVALID_UPLOAD_METADATA) for an empty or blank-containing key, a key given
// twice, or a value that is not base64.
absl::StatusOr<std::map<std::string, std::string>> ParseUploadMetadata(absl::string_view text);

// Upload-Checksum: `sha256 <base64 of the 32-byte digest>`; the digest's bytes.
// INVALID_ARGUMENT: UNSUPPORTED_CHECKSUM_ALGORITHM (another algorithm), INVALID_CHECKSUM.
absl::StatusOr<std::string> ParseSha256Checksum(absl::string_view text);

// Whether a Content-Type is application/offset+octet-stream (parameters and case ignored).
bool IsOffsetOctetStream(absl::string_view content_type);

// An RFC 9110 HTTP-date (IMF-fixdate): "Sun, 06 Nov 1994 08:49:37 GMT" (Upload-Expires).
std::string HttpDate(absl::Time time);

}  // namespace parta::gateway
