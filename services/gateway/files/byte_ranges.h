#pragma once

// The `Range` header of a download (RFC 9110 §14.1.2, §14.2), applied to a file of known size.
// Only the `bytes` unit exists. Decisions where the RFC leaves a choice:
//   - a header that does not parse (another unit, a malformed range, last before first) is
//     ignored: the whole file is served (200), as §14.2 says;
//   - more than kMaxRanges ranges are ignored too (the whole file, 200): refusing with 416 would
//     claim they cannot be satisfied, which is not true;
//   - overlapping or adjacent ranges are merged, and ranges come back in ascending order (§14.2
//     allows coalescing), so no request makes the gateway send a byte twice;
//   - when no range overlaps the file (including any range of an empty file): unsatisfiable
//     (416 with `Content-Range: bytes */size`).

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/strings/string_view.h"

namespace parta::gateway {

inline constexpr size_t kMaxRanges = 16;

// An inclusive range of byte positions, within the file.
struct ByteRange {
  uint64_t first = 0;
  uint64_t last = 0;
  uint64_t length() const { return last - first + 1; }
  bool operator==(const ByteRange&) const = default;
};

struct RangeRequest {
  enum class Kind { kWhole, kRanges, kUnsatisfiable };
  Kind kind = Kind::kWhole;
  std::vector<ByteRange> ranges;  // kRanges: one or more, ascending, disjoint, not adjacent
};

// `header` is the Range header's value ("" when absent); `size` the file's size in bytes.
RangeRequest ParseRange(absl::string_view header, uint64_t size);

}  // namespace parta::gateway
