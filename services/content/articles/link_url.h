#pragma once

// Web addresses that people save as links and write into articles. A URL is kept as it was
// written (a Cyrillic host stays Cyrillic, a punycode host stays punycode), so checking it is
// all there is: whatever passes opens the same page in every browser and cannot run script.

#include <cstddef>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace parta::content {

// The longest URL, in bytes.
inline constexpr size_t kMaxUrlBytes = 2000;

// A link item's URL: http or https (either case) followed by "//" and a host, valid UTF-8 of at
// most kMaxUrlBytes, with no user name or password ("user@"), no whitespace, control,
// bidirectional-control or backslash characters and none of `"<>`. The host is a domain name
// valid under UTS #46 (IDNA, the STD3 rules: letters, digits and hyphens), in Unicode or
// punycode, whose labels each use one alphabet (no Latin "а" in a Cyrillic word: a look-alike of
// another site), or an IPv4 address, or an IPv6 address in brackets; a port, when given, is
// 1–65535. INVALID_ARGUMENT `INVALID_LINK_URL` saying what is wrong.
absl::Status CheckLinkUrl(absl::string_view url);

// Whether an article's link may point at `href`: a URL CheckLinkUrl accepts, or "mailto:" (any
// case) and an address without whitespace or control characters. Relative URLs and every other
// scheme (javascript:, data:, vbscript:, file:, …) are refused.
bool IsAllowedHref(absl::string_view href);

}  // namespace parta::content
