#include "services/gateway/transcoding/content_disposition.h"

#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace parta::gateway {
namespace {

// RFC 8187 value characters: the rest is percent-encoded.
bool IsAttrChar(unsigned char c) {
  return absl::ascii_isalnum(c) || std::strchr("!#$&+-.^_`|~", c) != nullptr;
}

}  // namespace

std::string ContentDisposition(absl::string_view file_name, Disposition disposition) {
  std::string fallback;
  std::string encoded;
  for (unsigned char c : file_name) {
    fallback.push_back(c < 0x80 && IsAttrChar(c) ? static_cast<char>(c) : '_');
    if (IsAttrChar(c)) {
      encoded.push_back(static_cast<char>(c));
    } else {
      absl::StrAppend(&encoded, absl::StrFormat("%%%02X", c));
    }
  }
  return absl::StrCat(disposition == Disposition::kInline ? "inline" : "attachment",
                      "; filename=\"", fallback, "\"; filename*=UTF-8''", encoded);
}

}  // namespace parta::gateway
