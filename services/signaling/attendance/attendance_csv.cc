#include "services/signaling/attendance/attendance_csv.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"

namespace parta::signaling {
namespace {

constexpr char kByteOrderMark[] = "\xEF\xBB\xBF";
constexpr char kLineEnd[] = "\r\n";

const char* RoleName(v1::CallRole role) {
  switch (role) {
    case v1::CALL_ROLE_HOST: return "ведущий";
    case v1::CALL_ROLE_CO_HOST: return "соведущий";
    case v1::CALL_ROLE_GUEST: return "гость";
    default: return "участник";
  }
}

const char* LeaveName(const AttendanceRow& row) {
  if (!row.left) return "в звонке";
  switch (row.reason) {
    case v1::LEAVE_REASON_TIMED_OUT: return "пропала связь";
    case v1::LEAVE_REASON_REMOVED: return "удалён ведущим";
    case v1::LEAVE_REASON_CALL_ENDED: return "звонок завершён";
    default: return "вышел";
  }
}

std::string Local(absl::Time t, absl::TimeZone zone) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S", t, zone);
}

}  // namespace

std::string CsvField(std::string value) {
  if (!value.empty() && (value[0] == '=' || value[0] == '+' || value[0] == '-' ||
                         value[0] == '@' || value[0] == '\t' || value[0] == '\r')) {
    value = absl::StrCat("'", value);
  }
  const bool quote = value.find_first_of(";\"\r\n") != std::string::npos ||
                     (!value.empty() && (value.front() == ' ' || value.back() == ' '));
  if (!quote) return value;
  return absl::StrCat("\"", absl::StrReplaceAll(value, {{"\"", "\"\""}}), "\"");
}

std::string AttendanceCsv(const std::vector<AttendanceRow>& rows, absl::TimeZone zone,
                          const std::string& zone_name) {
  std::string out = kByteOrderMark;
  const std::vector<std::string> header = {"Участник",
                                           "Идентификатор",
                                           "Роль",
                                           absl::StrCat("Вход (", zone_name, ")"),
                                           absl::StrCat("Выход (", zone_name, ")"),
                                           "Минут",
                                           "Как вышел"};
  std::vector<std::string> fields;
  for (const std::string& title : header) fields.push_back(CsvField(title));
  absl::StrAppend(&out, absl::StrJoin(fields, ";"), kLineEnd);
  for (const AttendanceRow& row : rows) {
    fields.clear();
    fields.push_back(CsvField(row.name));
    fields.push_back(CsvField(row.user_id));
    fields.push_back(RoleName(row.role));
    fields.push_back(Local(row.joined, zone));
    fields.push_back(row.left ? Local(*row.left, zone) : "");
    fields.push_back(row.left ? absl::StrCat(absl::ToInt64Minutes(*row.left - row.joined +
                                                                  absl::Seconds(30)))
                              : "");
    fields.push_back(LeaveName(row));
    absl::StrAppend(&out, absl::StrJoin(fields, ";"), kLineEnd);
  }
  return out;
}

}  // namespace parta::signaling
