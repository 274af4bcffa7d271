#include "tools/esia-emulator/encoding.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "libs/core/status.h"
#include "libs/http/encoding.h"

namespace parta::esia_emulator {

Target SplitTarget(absl::string_view target) {
  const size_t question = target.find('?');
  if (question == absl::string_view::npos) return {std::string(target), ""};
  return {std::string(target.substr(0, question)), std::string(target.substr(question + 1))};
}

absl::StatusOr<Params> ParseForm(absl::string_view text) {
  Params params;
  for (absl::string_view piece : absl::StrSplit(text, '&', absl::SkipEmpty())) {
    const size_t equals = piece.find('=');
    const std::optional<std::string> name = http::FormDecode(piece.substr(0, equals));
    const std::optional<std::string> value = http::FormDecode(
        equals == absl::string_view::npos ? absl::string_view() : piece.substr(equals + 1));
    if (!name || !value) {
      return InvalidArgument("BAD_ENCODING", "a parameter has a malformed %-escape");
    }
    if (!params.emplace(*name, *value).second) {
      return InvalidArgument("DUPLICATE_PARAMETER",
                             absl::StrCat("the parameter ", *name, " is given more than once"));
    }
  }
  return params;
}

std::string AppendQuery(
    absl::string_view uri,
    std::initializer_list<std::pair<absl::string_view, absl::string_view>> params) {
  std::string out(uri);
  char separator = uri.find('?') == absl::string_view::npos ? '?' : '&';
  for (const auto& [name, value] : params) {
    absl::StrAppend(&out, absl::string_view(&separator, 1), http::PercentEncode(name), "=",
                    http::PercentEncode(value));
    separator = '&';
  }
  return out;
}

std::string EscapeHtml(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
        break;
    }
  }
  return out;
}

std::optional<std::string> DecodeBase64Url(absl::string_view text) {
  // Up to two '=' of padding at the end; none elsewhere.
  for (int i = 0; i < 2 && absl::ConsumeSuffix(&text, "="); ++i) {
  }
  for (const char c : text) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
      return std::nullopt;
    }
  }
  std::string out;
  if (!absl::WebSafeBase64Unescape(text, &out)) return std::nullopt;
  return out;
}

bool IsUuidText(absl::string_view text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash_position ? text[i] != '-'
                      : !absl::ascii_isxdigit(static_cast<unsigned char>(text[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace parta::esia_emulator
