#pragma once

// The layout of a `multipart/byteranges` answer (RFC 9110 §14.6) for several ranges of one
// file: the part headers and the closing delimiter, so the body's exact length is known before
// the first byte is read and the file's bytes can be streamed between them.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "services/gateway/files/byte_ranges.h"

namespace parta::gateway {

struct MultipartLayout {
  std::string content_type;             // multipart/byteranges; boundary=…
  std::vector<std::string> part_heads;  // written before each range's bytes, in order
  std::string closing;                  // written after the last range
  uint64_t content_length = 0;          // the whole body
};

// `boundary` must not occur in the file (a random one: 24 hex characters make that a non-issue).
MultipartLayout LayoutMultipart(const std::vector<ByteRange>& ranges, uint64_t size,
                                absl::string_view media_type, absl::string_view boundary);

}  // namespace parta::gateway
