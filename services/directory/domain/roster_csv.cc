#include "services/directory/domain/roster_csv.h"

#include <unicode/locid.h>
#include <unicode/unistr.h>

#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/core/status.h"
#include "services/directory/domain/validation.h"

namespace parta::directory {
namespace {

absl::Status InvalidCsv(absl::string_view message) {
  return InvalidArgument("INVALID_CSV", message);
}

std::string Lower(absl::string_view text) {
  icu::UnicodeString unicode =
      icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), text.size()));
  unicode.toLower(icu::Locale("ru"));
  std::string out;
  unicode.toUTF8String(out);
  return std::string(absl::StripAsciiWhitespace(out));
}

// Splits the text into records of fields; a quoted field may hold separators and newlines.
absl::StatusOr<std::vector<std::pair<int, std::vector<std::string>>>> SplitRecords(
    absl::string_view text, char separator) {
  std::vector<std::pair<int, std::vector<std::string>>> records;
  std::vector<std::string> fields;
  std::string field;
  bool quoted = false, field_started = false;
  int line = 1, record_line = 1;
  auto end_record = [&] {
    fields.push_back(std::move(field));
    field.clear();
    bool blank = fields.size() == 1 && absl::StripAsciiWhitespace(fields[0]).empty();
    if (!blank) records.emplace_back(record_line, std::move(fields));
    fields.clear();
    field_started = false;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field.push_back('"');
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        field.push_back(c);
      }
      continue;
    }
    if (c == '"' && !field_started) {
      quoted = field_started = true;
    } else if (c == separator) {
      fields.push_back(std::move(field));
      field.clear();
      field_started = false;
    } else if (c == '\n') {
      end_record();
      record_line = ++line;
    } else if (c != '\r') {
      field.push_back(c);
      if (c != ' ') field_started = true;
    }
  }
  if (quoted) return InvalidCsv("a quoted field is not closed");
  end_record();
  return records;
}

std::optional<Role> ParseRole(absl::string_view text) {
  static const auto* names = new std::map<std::string, Role>{
      {"student", Role::kStudent},   {"ученик", Role::kStudent},    {"ученица", Role::kStudent},
      {"учащийся", Role::kStudent},  {"teacher", Role::kTeacher},   {"учитель", Role::kTeacher},
      {"employee", Role::kEmployee}, {"сотрудник", Role::kEmployee}};
  auto it = names->find(Lower(text));
  if (it == names->end()) return std::nullopt;
  return it->second;
}

}  // namespace

std::string RosterRow::PersonKey() const {
  return absl::StrCat(RoleName(role), "|", Lower(last_name), "|", Lower(first_name), "|",
                      Lower(patronymic), "|", birth_date);
}

absl::StatusOr<ParsedRoster> ParseRoster(absl::string_view text, absl::CivilDay today,
                                         int max_rows) {
  if (absl::StartsWith(text, "\xEF\xBB\xBF")) text.remove_prefix(3);
  if (Utf8Length(text) < 0) return InvalidCsv("the file is not UTF-8");
  absl::string_view first_line = text.substr(0, text.find('\n'));
  char separator = absl::StrContains(first_line, ';') ? ';' : ',';
  ASSIGN_OR_RETURN(auto records, SplitRecords(text, separator));
  if (records.empty()) return InvalidCsv("the file is empty");

  static const auto* columns = new std::map<std::string, std::string>{
      {"class", "class"},           {"класс", "class"},         {"last_name", "last"},
      {"фамилия", "last"},          {"first_name", "first"},    {"имя", "first"},
      {"patronymic", "patronymic"}, {"отчество", "patronymic"}, {"birth_date", "birth"},
      {"дата рождения", "birth"},   {"role", "role"},           {"роль", "role"}};
  std::map<std::string, size_t> index;
  const std::vector<std::string>& header = records[0].second;
  for (size_t i = 0; i < header.size(); ++i) {
    auto it = columns->find(Lower(header[i]));
    if (it != columns->end()) index[it->second] = i;
  }
  if (index.size() != 6) {
    return InvalidCsv(
        "the first line must name the columns class, last_name, first_name, patronymic, "
        "birth_date and role (or класс, фамилия, имя, отчество, дата рождения, роль)");
  }
  if (static_cast<int>(records.size()) - 1 > max_rows) {
    return InvalidArgument("TOO_MANY_ROWS",
                           absl::StrCat("a file may have at most ", max_rows, " people"));
  }

  ParsedRoster roster;
  std::set<std::string> seen;
  for (size_t r = 1; r < records.size(); ++r) {
    const auto& [line, fields] = records[r];
    auto reject = [&, line = line](const absl::Status& status) {
      roster.rejected.push_back(
          {.line = line, .reason = ReasonOf(status), .message = std::string(status.message())});
    };
    if (fields.size() != header.size()) {
      reject(InvalidArgument("INVALID_ROW", absl::StrCat("expected ", header.size(),
                                                         " fields, found ", fields.size())));
      continue;
    }
    auto field = [&](const char* name) -> const std::string& { return fields[index.at(name)]; };
    RosterRow row{.line = line};
    absl::StatusOr<std::string> last = NormalizePersonName(field("last"), false);
    absl::StatusOr<std::string> first = NormalizePersonName(field("first"), false);
    absl::StatusOr<std::string> patronymic = NormalizePersonName(field("patronymic"), true);
    if (!last.ok() || !first.ok() || !patronymic.ok()) {
      reject(InvalidArgument("INVALID_NAME", "names have 1–60 characters on one line"));
      continue;
    }
    row.last_name = *last;
    row.first_name = *first;
    row.patronymic = *patronymic;
    absl::StatusOr<std::string> birth =
        ParseDate(absl::StripAsciiWhitespace(field("birth")), today);
    if (!birth.ok()) {
      reject(birth.status());
      continue;
    }
    row.birth_date = *birth;
    std::optional<Role> role = ParseRole(field("role"));
    if (!role) {
      reject(InvalidArgument("INVALID_ROLE", "the role is student, teacher or employee"));
      continue;
    }
    row.role = *role;
    row.class_name = std::string(absl::StripAsciiWhitespace(field("class")));
    if (row.role == Role::kStudent && row.class_name.empty()) {
      reject(InvalidArgument("CLASS_REQUIRED", "a student's line names the class"));
      continue;
    }
    if (row.role != Role::kStudent && !row.class_name.empty()) {
      reject(InvalidArgument("CLASS_NOT_ALLOWED", "staff lines leave the class empty"));
      continue;
    }
    if (!seen.insert(row.PersonKey()).second) {
      reject(InvalidArgument("DUPLICATE_ROW", "the same person is on an earlier line"));
      continue;
    }
    roster.rows.push_back(std::move(row));
  }
  return roster;
}

absl::StatusOr<std::string> ParseDate(absl::string_view text, absl::CivilDay today) {
  int year = 0, month = 0, day = 0;
  bool parsed = false;
  if (text.size() == 10 && text[4] == '-' && text[7] == '-') {
    parsed = absl::SimpleAtoi(text.substr(0, 4), &year) &&
             absl::SimpleAtoi(text.substr(5, 2), &month) &&
             absl::SimpleAtoi(text.substr(8, 2), &day);
  } else if (text.size() == 10 && text[2] == '.' && text[5] == '.') {
    parsed = absl::SimpleAtoi(text.substr(6, 4), &year) &&
             absl::SimpleAtoi(text.substr(3, 2), &month) &&
             absl::SimpleAtoi(text.substr(0, 2), &day);
  }
  absl::CivilDay date(year, month, day);
  // CivilDay normalises 31.02 into March: a date is valid only if it survives unchanged.
  if (!parsed || date.year() != year || date.month() != month || date.day() != day || year < 1900 ||
      date > today) {
    return InvalidArgument("INVALID_BIRTH_DATE",
                           "birth dates are YYYY-MM-DD or DD.MM.YYYY, in the past");
  }
  return absl::FormatCivilTime(date);
}

std::optional<std::pair<int, std::string>> ParseClassName(const std::string& name) {
  size_t digits = 0;
  while (digits < name.size() && absl::ascii_isdigit(static_cast<unsigned char>(name[digits]))) {
    ++digits;
  }
  int grade = 0;
  if (digits == 0 || digits > 2 || !absl::SimpleAtoi(name.substr(0, digits), &grade) || grade < 1 ||
      grade > 11) {
    return std::nullopt;
  }
  absl::StatusOr<std::string> letter = NormalizeClassLetter(grade, name.substr(digits));
  if (!letter.ok()) return std::nullopt;
  return std::pair{grade, *letter};
}

}  // namespace parta::directory
