#include "services/gateway/files/multipart_ranges.h"

#include "absl/strings/str_cat.h"

namespace parta::gateway {

MultipartLayout LayoutMultipart(const std::vector<ByteRange>& ranges, uint64_t size,
                                absl::string_view media_type, absl::string_view boundary) {
  MultipartLayout layout;
  layout.content_type = absl::StrCat("multipart/byteranges; boundary=", boundary);
  for (size_t i = 0; i < ranges.size(); ++i) {
    const ByteRange& range = ranges[i];
    // Each delimiter after the first starts on a new line after the previous part's bytes.
    std::string head = absl::StrCat(i == 0 ? "" : "\r\n", "--", boundary,
                                    "\r\nContent-Type: ", media_type, "\r\nContent-Range: bytes ",
                                    range.first, "-", range.last, "/", size, "\r\n\r\n");
    layout.content_length += head.size() + range.length();
    layout.part_heads.push_back(std::move(head));
  }
  layout.closing = absl::StrCat("\r\n--", boundary, "--\r\n");
  layout.content_length += layout.closing.size();
  return layout;
}

}  // namespace parta::gateway
