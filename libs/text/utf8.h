#pragma once

// UTF-8 checks that every service needs for what people type.

#include "absl/strings/string_view.h"

namespace parta::text {

// Number of code points of valid UTF-8 (no overlongs, no surrogates), or -1.
int Utf8Length(absl::string_view text);

}  // namespace parta::text
