#pragma once

// The text encodings of the provider's HTTP surface: query strings and form bodies
// (application/x-www-form-urlencoded), percent-encoding for redirect URIs, HTML escaping for
// values echoed into pages, base64url, and the UUID shape of `state`.

#include <initializer_list>
#include <optional>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace parta::esia_emulator {

using Params = absl::flat_hash_map<std::string, std::string>;

// A request target taken apart at the first '?'.
struct Target {
  std::string path;
  std::string query;  // without the '?'; "" when there is none
};
Target SplitTarget(absl::string_view target);

// Parses a query string or a form body ("a=1&b=x%20y"). Empty pieces are skipped; a name without
// '=' has the empty value. INVALID_ARGUMENT (BAD_ENCODING) for a malformed escape, and
// (DUPLICATE_PARAMETER) for a name given twice: OAuth 2.0 forbids repeating a parameter.
absl::StatusOr<Params> ParseForm(absl::string_view text);

// `uri` with `params` appended as a query ('?' or '&' as `uri` needs), values percent-encoded in
// the order given.
std::string AppendQuery(
    absl::string_view uri,
    std::initializer_list<std::pair<absl::string_view, absl::string_view>> params);

// Escapes &, <, >, " and ' for HTML text and attribute values.
std::string EscapeHtml(absl::string_view text);

// RFC 4648 §5 base64url, with or without '=' padding.
std::optional<std::string> DecodeBase64Url(absl::string_view text);

// True for 8-4-4-4-12 hexadecimal digits (either case) separated by dashes.
bool IsUuidText(absl::string_view text);

}  // namespace parta::esia_emulator
