#pragma once

// Percent-encoding (RFC 3986) for URLs' paths and queries and for
// application/x-www-form-urlencoded bodies.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace parta::http {

// Unreserved characters (A-Z a-z 0-9 - . _ ~) kept, and '/' when `keep_slash`; every other byte
// as %XX (upper-case hex).
std::string PercentEncode(absl::string_view text, bool keep_slash = false);

// A query's or form's piece decoded: %XX escapes and '+' as a space; nullopt for a '%' not
// followed by two hex digits.
std::optional<std::string> FormDecode(absl::string_view text);

// "name=value&name=value", each side percent-encoded (spaces as %20, which every form parser
// reads), in the given order.
std::string FormEncode(const std::vector<std::pair<std::string, std::string>>& fields);

}  // namespace parta::http
