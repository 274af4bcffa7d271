#include "services/content/domain/catalogue.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "libs/core/status.h"
#include "libs/text/utf8.h"

namespace parta::content {
namespace {

// Valid UTF-8 of `min`–`max` characters, or INVALID_ARGUMENT `reason`.
absl::Status CheckText(absl::string_view text, int min, int max, absl::string_view reason,
                       absl::string_view what) {
  const int length = text::Utf8Length(text);
  if (length < min || length > max) {
    return InvalidArgument(reason,
                           absl::StrCat(what, " is ", min, " to ", max, " characters of UTF-8"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckCatalogueFields(const v1::Item& item, const std::vector<std::string>& paths) {
  for (const std::string& path : paths) {
    if (path == "title") {
      RETURN_IF_ERROR(CheckText(item.title(), 1, 255, "INVALID_TITLE", "a title"));
    } else if (path == "description") {
      RETURN_IF_ERROR(
          CheckText(item.description(), 0, 5000, "INVALID_DESCRIPTION", "a description"));
    } else if (path == "subject") {
      RETURN_IF_ERROR(CheckText(item.subject(), 0, 100, "INVALID_SUBJECT", "a subject"));
    } else if (path == "grades") {
      std::set<int> seen;
      for (int grade : item.grades()) {
        if (grade < 1 || grade > 11 || !seen.insert(grade).second) {
          return InvalidArgument("INVALID_GRADES", "grades are 1 to 11, each once");
        }
      }
    } else if (path == "age_label") {
      if (!v1::AgeLabel_IsValid(item.age_label())) {
        return InvalidArgument("INVALID_AGE_LABEL", "an age label is one of 436-ФЗ's");
      }
    } else if (path == "licence") {
      RETURN_IF_ERROR(CheckText(item.licence(), 0, 100, "INVALID_LICENCE", "a licence"));
    } else if (path == "language") {
      const std::string& code = item.language();
      if (code.size() != 2 || !absl::ascii_islower(static_cast<unsigned char>(code[0])) ||
          !absl::ascii_islower(static_cast<unsigned char>(code[1]))) {
        return InvalidArgument("INVALID_LANGUAGE", "a language is an ISO 639-1 code (\"ru\")");
      }
    } else {
      return InvalidArgument("INVALID_UPDATE_MASK",
                             absl::StrCat("an item's field \"", path, "\" cannot be changed"));
    }
  }
  if (paths.empty()) return InvalidArgument("INVALID_UPDATE_MASK", "the update mask is empty");
  return absl::OkStatus();
}

absl::Status CheckQuery(absl::string_view query) {
  return CheckText(query, 0, 200, "INVALID_QUERY", "a query");
}

absl::Status CheckRemark(absl::string_view text, absl::string_view reason) {
  return CheckText(text, 0, 2000, reason, "the text");
}

}  // namespace parta::content
