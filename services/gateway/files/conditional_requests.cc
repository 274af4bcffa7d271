#include "services/gateway/files/conditional_requests.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"

namespace parta::gateway {

bool NoneMatchHolds(absl::string_view if_none_match, absl::string_view etag) {
  if_none_match = absl::StripAsciiWhitespace(if_none_match);
  if (if_none_match.empty()) return false;
  if (if_none_match == "*") return true;
  for (absl::string_view tag : absl::StrSplit(if_none_match, ',')) {
    tag = absl::StripAsciiWhitespace(tag);
    absl::ConsumePrefix(&tag, "W/");
    if (tag == etag) return true;
  }
  return false;
}

bool IfRangeHolds(absl::string_view if_range, absl::string_view etag) {
  if_range = absl::StripAsciiWhitespace(if_range);
  return if_range.empty() || if_range == etag;
}

}  // namespace parta::gateway
