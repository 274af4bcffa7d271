#include "services/gateway/files/byte_ranges.h"

#include <algorithm>
#include <limits>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"

namespace parta::gateway {
namespace {

// A run of digits; values beyond 64 bits saturate (they lie past any file's end anyway).
std::optional<uint64_t> Digits(absl::string_view text) {
  if (text.empty()) return std::nullopt;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (std::numeric_limits<uint64_t>::max() - digit) / 10) {
      value = std::numeric_limits<uint64_t>::max();
    } else {
      value = value * 10 + digit;
    }
  }
  return value;
}

RangeRequest Whole() { return RangeRequest{}; }

}  // namespace

RangeRequest ParseRange(absl::string_view header, uint64_t size) {
  header = absl::StripAsciiWhitespace(header);
  const size_t equals = header.find('=');
  if (equals == absl::string_view::npos ||
      !absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(header.substr(0, equals)), "bytes")) {
    return Whole();
  }
  std::vector<ByteRange> satisfiable;
  size_t specs = 0;
  for (absl::string_view spec : absl::StrSplit(header.substr(equals + 1), ',')) {
    spec = absl::StripAsciiWhitespace(spec);
    if (spec.empty()) continue;  // the list syntax allows empty elements
    if (++specs > kMaxRanges) return Whole();
    const size_t dash = spec.find('-');
    if (dash == absl::string_view::npos) return Whole();
    const absl::string_view first_text = spec.substr(0, dash);
    const absl::string_view last_text = spec.substr(dash + 1);
    if (first_text.empty()) {
      // A suffix: the last N bytes.
      const std::optional<uint64_t> suffix = Digits(last_text);
      if (!suffix) return Whole();
      if (*suffix == 0 || size == 0) continue;
      const uint64_t length = std::min(*suffix, size);
      satisfiable.push_back({size - length, size - 1});
      continue;
    }
    const std::optional<uint64_t> first = Digits(first_text);
    if (!first) return Whole();
    uint64_t last = std::numeric_limits<uint64_t>::max();  // open end
    if (!last_text.empty()) {
      const std::optional<uint64_t> parsed = Digits(last_text);
      if (!parsed || *parsed < *first) return Whole();
      last = *parsed;
    }
    if (*first >= size) continue;
    satisfiable.push_back({*first, std::min(last, size - 1)});
  }
  if (specs == 0) return Whole();
  if (satisfiable.empty()) return RangeRequest{.kind = RangeRequest::Kind::kUnsatisfiable};
  std::sort(satisfiable.begin(), satisfiable.end(),
            [](const ByteRange& a, const ByteRange& b) { return a.first < b.first; });
  RangeRequest request{.kind = RangeRequest::Kind::kRanges};
  for (const ByteRange& range : satisfiable) {
    if (!request.ranges.empty() && range.first <= request.ranges.back().last + 1) {
      request.ranges.back().last = std::max(request.ranges.back().last, range.last);
    } else {
      request.ranges.push_back(range);
    }
  }
  return request;
}

}  // namespace parta::gateway
