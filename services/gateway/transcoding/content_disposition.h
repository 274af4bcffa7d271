#pragma once

// The Content-Disposition of a file answer (RFC 6266): `attachment` or `inline`, the original
// name in `filename*` (UTF-8, percent-encoded per RFC 8187, so Cyrillic names survive) and an
// ASCII stand-in in `filename` for old clients (every other byte becomes `_`).

#include <string>

#include "absl/strings/string_view.h"

namespace parta::gateway {

enum class Disposition { kAttachment, kInline };

std::string ContentDisposition(absl::string_view file_name,
                               Disposition disposition = Disposition::kAttachment);

}  // namespace parta::gateway
