#pragma once

// Array parameters for libpqxx 6, which has none: the text form of a Postgres array, to pass as
// one parameter and cast in SQL ($1::text[], $2::bigint[], $3::uuid[]) — how a statement takes a
// whole batch of rows (`unnest`) with a fixed text, so it can be prepared once.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace parta::pg {

// `{"a","b"}`: every element quoted, `"` and `\` escaped; any text, any UTF-8.
std::string TextArray(const std::vector<std::string>& items);
std::string Int64Array(const std::vector<int64_t>& items);
// Bytes as lowercase hex, for `decode(x, 'hex')` over an unnested text array.
std::string Hex(absl::string_view bytes);

}  // namespace parta::pg
