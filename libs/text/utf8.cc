#include "libs/text/utf8.h"

#include <unicode/utf8.h>

namespace parta::text {

int Utf8Length(absl::string_view text) {
  int32_t i = 0;
  int32_t length = static_cast<int32_t>(text.size());
  int count = 0;
  while (i < length) {
    UChar32 c;
    U8_NEXT(text.data(), i, length, c);
    if (c < 0) return -1;
    ++count;
  }
  return count;
}

}  // namespace parta::text
