#pragma once

// The conditional headers of a download (RFC 9110 §13), against the file's strong entity tag
// (`"<sha256 hex>"`: the bytes' hash, so equal tags mean equal bytes).

#include "absl/strings/string_view.h"

namespace parta::gateway {

// If-None-Match: whether `etag` is among the listed tags (weak comparison: `W/` is ignored) or
// the list is `*`. True means the client's copy is current: answer 304.
bool NoneMatchHolds(absl::string_view if_none_match, absl::string_view etag);

// If-Range: whether the Range header may be applied: no If-Range, or exactly the current tag
// (strong comparison). A date or another tag means the client's piece is stale: send it all.
bool IfRangeHolds(absl::string_view if_range, absl::string_view etag);

}  // namespace parta::gateway
