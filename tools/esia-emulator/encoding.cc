#include "tools/esia-emulator/encoding.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "libs/core/status.h"
#include "libs/http/encoding.h"

namespace parta::esia_emulator {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Target SplitTarget(absl::string_view target) {
  const size_t question = target.find('?');
  if (question == absl::string_view::npos) return {std::string(target), ""};
  return {std::string(target.substr(0, question)), std::string(target.substr(question + 1))};
}

std::optional<std::string> PercentDecode(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int high = HexValue(text[i + 1]);
      const int low = HexValue(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

absl::StatusOr<Params> ParseForm(absl::string_view text) {
  Params params;
  for (absl::string_view piece : absl::StrSplit(text, '&', absl::SkipEmpty())) {
    const size_t equals = piece.find('=');
    const std::optional<std::string> name = PercentDecode(piece.substr(0, equals));
    const std::optional<std::string> value = PercentDecode(
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
    if (dash_position ? text[i] != '-' : HexValue(text[i]) < 0) return false;
  }
  return true;
}

}  // namespace parta::esia_emulator
