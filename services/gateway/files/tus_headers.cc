#include "services/gateway/files/tus_headers.h"

#include <limits>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/core/status.h"

namespace parta::gateway {
namespace {

// Strict standard base64 (padding optional): absl's decoder also takes characters a tus client
// never sends, so the alphabet is checked first.
std::optional<std::string> DecodeBase64(absl::string_view text) {
  for (char c : text) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '/' && c != '=') {
      return std::nullopt;
    }
  }
  std::string decoded;
  if (!absl::Base64Unescape(text, &decoded)) return std::nullopt;
  return decoded;
}

absl::Status BadMetadata(absl::string_view why) {
  return InvalidArgument("INVALID_UPLOAD_METADATA", absl::StrCat("Upload-Metadata: ", why));
}

}  // namespace

std::optional<int64_t> ParseUploadNumber(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  if (text.empty() || text.size() > 19) return std::nullopt;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  if (value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
  return static_cast<int64_t>(value);
}

absl::StatusOr<std::map<std::string, std::string>> ParseUploadMetadata(absl::string_view text) {
  std::map<std::string, std::string> pairs;
  for (absl::string_view pair : absl::StrSplit(text, ',')) {
    pair = absl::StripAsciiWhitespace(pair);
    if (pair.empty()) continue;
    const size_t space = pair.find(' ');
    const absl::string_view key = pair.substr(0, space);
    const absl::string_view value =
        space == absl::string_view::npos ? absl::string_view() : pair.substr(space + 1);
    if (key.empty() || absl::StrContains(value, ' ')) return BadMetadata("a pair is malformed");
    for (char c : key) {
      if (absl::ascii_iscntrl(static_cast<unsigned char>(c)) || c == '\t') {
        return BadMetadata("a key has a control character");
      }
    }
    std::optional<std::string> decoded = DecodeBase64(value);
    if (!decoded) return BadMetadata(absl::StrCat("the value of ", key, " is not base64"));
    if (!pairs.emplace(std::string(key), *std::move(decoded)).second) {
      return BadMetadata(absl::StrCat(key, " is given twice"));
    }
  }
  return pairs;
}

absl::StatusOr<std::string> ParseSha256Checksum(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  const size_t space = text.find(' ');
  const absl::string_view algorithm = text.substr(0, space);
  if (!absl::EqualsIgnoreCase(algorithm, "sha256")) {
    return InvalidArgument("UNSUPPORTED_CHECKSUM_ALGORITHM",
                           "Upload-Checksum: only sha256 is supported");
  }
  std::optional<std::string> digest =
      space == absl::string_view::npos
          ? std::nullopt
          : DecodeBase64(absl::StripAsciiWhitespace(text.substr(space + 1)));
  if (!digest || digest->size() != 32) {
    return InvalidArgument("INVALID_CHECKSUM",
                           "Upload-Checksum must be `sha256 <base64 of 32 bytes>`");
  }
  return *std::move(digest);
}

bool IsOffsetOctetStream(absl::string_view content_type) {
  const absl::string_view type =
      absl::StripAsciiWhitespace(content_type.substr(0, content_type.find(';')));
  return absl::EqualsIgnoreCase(type, kOffsetOctetStream);
}

std::string HttpDate(absl::Time time) {
  return absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT", time, absl::UTCTimeZone());
}

}  // namespace parta::gateway
