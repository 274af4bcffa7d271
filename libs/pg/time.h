#pragma once

// Timestamps cross the libpqxx boundary as integer microseconds since the Unix epoch, converted
// exactly in SQL:
//   write: 'epoch'::timestamptz + $1 * interval '1 microsecond'   (see kMicrosParam)
//   read:  (extract(epoch FROM column) * 1000000)::bigint

#include <cstdint>

#include "absl/time/time.h"

namespace parta::pg {

inline int64_t ToMicros(absl::Time t) { return absl::ToUnixMicros(t); }
inline absl::Time FromMicros(int64_t micros) { return absl::FromUnixMicros(micros); }

}  // namespace parta::pg

// SQL fragments: a timestamptz from a bigint parameter, and a bigint from a timestamptz column.
#define PARTA_PG_TS(param) "('epoch'::timestamptz + " param " * interval '1 microsecond')"
#define PARTA_PG_US(column) "(extract(epoch FROM " column ") * 1000000)::bigint"
