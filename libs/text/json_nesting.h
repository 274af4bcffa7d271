#pragma once

// A bound on JSON nesting, checked before any parser that recurses sees the text. One linear
// pass, no allocation; it does not validate the JSON, it only refuses text that opens more than
// `limit` arrays or objects inside each other (a 200 KB body of `[` would otherwise take a
// recursive parser, or the recursive writer or destructor after it, off the end of its stack).

#include "absl/strings/string_view.h"

namespace parta::text {

// Deep enough for every request and frame Parta defines (the deepest proto is a handful of
// levels), shallow enough for every recursive parser, printer and destructor on any stack.
inline constexpr int kMaxJsonNesting = 64;

// Whether no point of `json` sits inside more than `limit` open arrays and objects. Brackets
// inside strings (with their escapes) do not count.
bool JsonNestingWithin(absl::string_view json, int limit = kMaxJsonNesting);

}  // namespace parta::text
