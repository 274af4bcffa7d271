#pragma once

// A call's attendance as a CSV file for a spreadsheet: one row per stay of a person in the call,
// times in the school's time zone. UTF-8 with a byte order mark (so that a spreadsheet reads the
// Cyrillic right), `;` between fields (what one with Russian regional settings splits on), CRLF
// line ends, fields quoted per RFC 4180, and a field a spreadsheet would take for a formula
// (starting with = + - @ or a tab) prefixed with an apostrophe.

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "parta/signaling/v1/model.pb.h"

namespace parta::signaling {

// One stay of a person in a call.
struct AttendanceRow {
  std::string user_id;
  std::string name;  // his display name; empty when unknown
  v1::CallRole role = v1::CALL_ROLE_UNSPECIFIED;
  absl::Time joined;
  std::optional<absl::Time> left;  // none while he is in the call
  v1::LeaveReason reason = v1::LEAVE_REASON_UNSPECIFIED;
};

// The file. `zone_name` names `zone` in the header ("Europe/Moscow").
std::string AttendanceCsv(const std::vector<AttendanceRow>& rows, absl::TimeZone zone,
                          const std::string& zone_name);

// One CSV field as written: quoted when it holds `;`, a quote, a line break or outer spaces,
// defused when a spreadsheet would read it as a formula.
std::string CsvField(std::string value);

}  // namespace parta::signaling
