#include "libs/pg/arrays.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace parta::pg {

std::string TextArray(const std::vector<std::string>& items) {
  std::string array = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) array += ',';
    array += '"';
    for (char c : items[i]) {
      if (c == '"' || c == '\\') array += '\\';
      array += c;
    }
    array += '"';
  }
  array += '}';
  return array;
}

std::string Int64Array(const std::vector<int64_t>& items) {
  std::string array = "{";
  for (size_t i = 0; i < items.size(); ++i) absl::StrAppend(&array, i > 0 ? "," : "", items[i]);
  array += '}';
  return array;
}

std::string Hex(absl::string_view bytes) { return absl::BytesToHexString(bytes); }

}  // namespace parta::pg
