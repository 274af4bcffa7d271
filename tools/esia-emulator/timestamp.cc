#include "tools/esia-emulator/timestamp.h"

#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "libs/core/status.h"

namespace parta::esia_emulator {
namespace {

constexpr absl::string_view kShape = "dddd.dd.dd dd:dd:dd sdddd";

// The number written by the digits text[from, from + count).
int Digits(absl::string_view text, size_t from, size_t count) {
  int value = 0;
  for (size_t i = from; i < from + count; ++i) value = value * 10 + (text[i] - '0');
  return value;
}

}  // namespace

absl::StatusOr<absl::Time> ParseEsiaTimestamp(absl::string_view text) {
  const absl::Status bad =
      InvalidArgument("BAD_TIMESTAMP", "timestamp is not \"yyyy.MM.dd HH:mm:ss +hhmm\"");
  if (text.size() != kShape.size()) return bad;
  for (size_t i = 0; i < kShape.size(); ++i) {
    const char c = text[i];
    const bool fits = kShape[i] == 'd'   ? absl::ascii_isdigit(static_cast<unsigned char>(c))
                      : kShape[i] == 's' ? c == '+' || c == '-'
                                         : c == kShape[i];
    if (!fits) return bad;
  }
  const int year = Digits(text, 0, 4);
  const int month = Digits(text, 5, 2);
  const int day = Digits(text, 8, 2);
  const int hour = Digits(text, 11, 2);
  const int minute = Digits(text, 14, 2);
  const int second = Digits(text, 17, 2);
  const int offset_hours = Digits(text, 21, 2);
  const int offset_minutes = Digits(text, 23, 2);
  const absl::CivilSecond civil(year, month, day, hour, minute, second);
  // CivilSecond normalises out-of-range fields (13th month, 30 February): refuse those.
  if (civil.year() != year || civil.month() != month || civil.day() != day ||
      civil.hour() != hour || civil.minute() != minute || civil.second() != second ||
      offset_hours > 14 || offset_minutes > 59) {
    return bad;
  }
  const int sign = text[20] == '-' ? -1 : 1;
  const absl::Duration offset = sign * (absl::Hours(offset_hours) + absl::Minutes(offset_minutes));
  return absl::FromCivil(civil, absl::UTCTimeZone()) - offset;
}

std::string FormatEsiaTimestamp(absl::Time time, int offset_minutes) {
  const absl::CivilSecond civil =
      absl::ToCivilSecond(time + absl::Minutes(offset_minutes), absl::UTCTimeZone());
  const int magnitude = std::abs(offset_minutes);
  return absl::StrFormat("%04d.%02d.%02d %02d:%02d:%02d %c%02d%02d", civil.year(), civil.month(),
                         civil.day(), civil.hour(), civil.minute(), civil.second(),
                         offset_minutes < 0 ? '-' : '+', magnitude / 60, magnitude % 60);
}

}  // namespace parta::esia_emulator
