#include "tools/esia-emulator/timestamp.h"

#include <catch2/catch.hpp>

#include "absl/time/civil_time.h"
#include "libs/testing/status_matchers.h"

namespace parta::esia_emulator {
namespace {

absl::Time Utc(int year, int month, int day, int hour, int minute, int second) {
  return absl::FromCivil(absl::CivilSecond(year, month, day, hour, minute, second),
                         absl::UTCTimeZone());
}

TEST_CASE("ParseEsiaTimestamp reads the instant at any UTC offset", "[esia][unit]") {
  const absl::StatusOr<absl::Time> moscow = ParseEsiaTimestamp("2026.12.07 12:00:00 +0300");
  REQUIRE_OK(moscow);
  CHECK(*moscow == Utc(2026, 12, 7, 9, 0, 0));
  const absl::StatusOr<absl::Time> west = ParseEsiaTimestamp("2026.12.07 04:30:00 -0430");
  REQUIRE_OK(west);
  CHECK(*west == Utc(2026, 12, 7, 9, 0, 0));
  const absl::StatusOr<absl::Time> utc = ParseEsiaTimestamp("2024.02.29 23:59:59 +0000");
  REQUIRE_OK(utc);
  CHECK(*utc == Utc(2024, 2, 29, 23, 59, 59));
}

TEST_CASE("ParseEsiaTimestamp refuses other shapes and impossible dates", "[esia][unit]") {
  for (const char* text :
       {"", "2026-12-07 12:00:00 +0300", "2026.12.07T12:00:00 +0300", "2026.12.07 12:00:00",
        "2026.12.07 12:00:00 0300", "2026.12.07 12:00:00  0300", "2026.12.07 12:00:00 +03:00",
        "2026.13.07 12:00:00 +0300", "2026.02.30 12:00:00 +0300", "2025.02.29 12:00:00 +0300",
        "2026.12.07 24:00:00 +0300", "2026.12.07 12:60:00 +0300", "2026.12.07 12:00:00 +0360",
        "2026.12.07 12:00:00 +1500", "2026.12.07 12:00:00 +0300 "}) {
    INFO(text);
    CHECK_STATUS(ParseEsiaTimestamp(text), kInvalidArgument, "BAD_TIMESTAMP");
  }
}

TEST_CASE("FormatEsiaTimestamp writes what ParseEsiaTimestamp reads", "[esia][unit]") {
  const absl::Time instant = Utc(2026, 12, 7, 9, 0, 0);
  CHECK(FormatEsiaTimestamp(instant) == "2026.12.07 12:00:00 +0300");
  CHECK(FormatEsiaTimestamp(instant, -270) == "2026.12.07 04:30:00 -0430");
  CHECK(FormatEsiaTimestamp(instant, 0) == "2026.12.07 09:00:00 +0000");
  CHECK(ParseEsiaTimestamp(FormatEsiaTimestamp(instant, 600)).value() == instant);
}

}  // namespace
}  // namespace parta::esia_emulator
