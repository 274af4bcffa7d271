#pragma once

// ESIA's request timestamps: "yyyy.MM.dd HH:mm:ss ±hhmm", e.g. "2026.12.07 12:00:00 +0300".

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace parta::esia_emulator {

// The instant `text` names. INVALID_ARGUMENT (BAD_TIMESTAMP) for anything not in the format above
// or naming a date or time that does not exist (2026.02.30, 24:00:00, an offset beyond ±14:59).
absl::StatusOr<absl::Time> ParseEsiaTimestamp(absl::string_view text);

// `time` in the format above, at a UTC offset of `offset_minutes` (Moscow's +0300 by default).
std::string FormatEsiaTimestamp(absl::Time time, int offset_minutes = 180);

}  // namespace parta::esia_emulator
