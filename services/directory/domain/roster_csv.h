#pragma once

// Roster files as schools keep them: CSV in UTF-8 (a BOM is fine), separated by commas or by
// semicolons (what spreadsheets write in Russian locales), fields optionally quoted ("" for a
// quote). The first line names the columns, in any order, in English or Russian:
//
//   class / класс, last_name / фамилия, first_name / имя, patronymic / отчество,
//   birth_date / дата рождения, role / роль
//
// Roles: student / ученик / учащийся, teacher / учитель, employee / сотрудник. Dates:
// YYYY-MM-DD or DD.MM.YYYY. Students name their class; staff leave it empty. Each line is checked
// on its own: a bad line is reported with its reason and the others go on.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "services/directory/domain/model.h"

namespace parta::directory {

struct ParsedRoster {
  std::vector<RosterRow> rows;
  std::vector<RejectedRow> rejected;
};

// INVALID_CSV (not UTF-8, unbalanced quotes, a header without the six columns) for the file as
// a whole; TOO_MANY_ROWS beyond `max_rows` people. Line reasons: INVALID_ROW (wrong number of
// fields), INVALID_NAME, INVALID_BIRTH_DATE (not a date, or not between 1900 and `today`),
// INVALID_ROLE, CLASS_REQUIRED, CLASS_NOT_ALLOWED, DUPLICATE_ROW (the same person twice).
absl::StatusOr<ParsedRoster> ParseRoster(absl::string_view text, absl::CivilDay today,
                                         int max_rows);

// A birth date, YYYY-MM-DD or DD.MM.YYYY, from 1900 to `today`, as "YYYY-MM-DD";
// INVALID_BIRTH_DATE otherwise.
absl::StatusOr<std::string> ParseDate(absl::string_view text, absl::CivilDay today);

// "5А" (or "5 а", "5A") → grade and normalised letter; nullopt when it is not a class name.
std::optional<std::pair<int, std::string>> ParseClassName(const std::string& name);

}  // namespace parta::directory
