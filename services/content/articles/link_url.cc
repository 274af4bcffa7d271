#include "services/content/articles/link_url.h"

#include <arpa/inet.h>
#include <unicode/uchar.h>
#include <unicode/uidna.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <memory>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/core/status.h"
#include "libs/text/utf8.h"

namespace parta::content {
namespace {

absl::Status Invalid(absl::string_view why) {
  return InvalidArgument("INVALID_LINK_URL", absl::StrCat("the URL ", why));
}

// Characters that reorder text: they make one address look like another.
bool IsBidiControl(UChar32 c) {
  return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0x200E ||
         c == 0x200F || c == 0x061C;
}

// Whether `c` has no place in a URL as people write and browsers read it: whitespace (which
// ends an unquoted attribute and which browsers strip or encode), controls, the characters that
// break out of HTML attributes, and the backslash that browsers read as a slash.
bool IsForbidden(UChar32 c) {
  return c <= 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F) || u_isUWhiteSpace(c) ||
         IsBidiControl(c) || c == 0xFEFF || c == '\\' || c == '"' || c == '<' || c == '>';
}

// Valid UTF-8 of at most kMaxUrlBytes without forbidden characters.
absl::Status CheckCharacters(absl::string_view url) {
  if (url.empty()) return Invalid("is empty");
  if (url.size() > kMaxUrlBytes) {
    return Invalid(absl::StrCat("is longer than ", kMaxUrlBytes, " bytes"));
  }
  if (text::Utf8Length(url) < 0) return Invalid("is not valid UTF-8");
  int32_t i = 0;
  const auto size = static_cast<int32_t>(url.size());
  while (i < size) {
    UChar32 c;
    U8_NEXT(url.data(), i, size, c);
    if (IsForbidden(c)) {
      return Invalid(
          "contains a space, a control character, a quote, an angle bracket or a backslash");
    }
  }
  return absl::OkStatus();
}

// Scripts that one word may mix: Japanese writes Han with both kana.
UScriptCode ScriptGroup(UScriptCode script) {
  if (script == USCRIPT_HIRAGANA || script == USCRIPT_KATAKANA) return USCRIPT_HAN;
  return script;
}

// Whether each dot-separated label of a host (Unicode, UTF-8) keeps to one alphabet; digits,
// hyphens and combining marks belong to every alphabet.
bool LabelsKeepToOneScript(absl::string_view host) {
  for (absl::string_view label : absl::StrSplit(host, '.')) {
    UScriptCode seen = USCRIPT_INVALID_CODE;
    int32_t i = 0;
    const auto size = static_cast<int32_t>(label.size());
    while (i < size) {
      UChar32 c;
      U8_NEXT(label.data(), i, size, c);
      UErrorCode error = U_ZERO_ERROR;
      const UScriptCode script = uscript_getScript(c, &error);
      if (U_FAILURE(error)) return false;
      if (script == USCRIPT_COMMON || script == USCRIPT_INHERITED) continue;
      const UScriptCode group = ScriptGroup(script);
      if (seen == USCRIPT_INVALID_CODE) {
        seen = group;
      } else if (seen != group) {
        return false;
      }
    }
  }
  return true;
}

// Whether the last label of a host is a number (decimal, or 0x… hexadecimal): browsers then
// read the whole host as an IPv4 address, in forms ("0x7f.1", "2130706433") that hide where
// it goes. Only the dotted-quad form is accepted.
bool EndsInNumber(absl::string_view host) {
  absl::ConsumeSuffix(&host, ".");
  const size_t dot = host.rfind('.');
  absl::string_view last = dot == absl::string_view::npos ? host : host.substr(dot + 1);
  if (last.empty()) return false;
  if (absl::StartsWithIgnoreCase(last, "0x")) return true;
  for (char c : last) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

struct IdnaCloser {
  void operator()(UIDNA* idna) const { uidna_close(idna); }
};

absl::Status CheckDomain(absl::string_view host) {
  if (EndsInNumber(host)) {
    in_addr address;
    if (inet_pton(AF_INET, std::string(host).c_str(), &address) != 1) {
      return Invalid("has a host that is neither a name nor an IPv4 address a.b.c.d");
    }
    return absl::OkStatus();
  }
  UErrorCode error = U_ZERO_ERROR;
  std::unique_ptr<UIDNA, IdnaCloser> idna(
      uidna_openUTS46(UIDNA_USE_STD3_RULES | UIDNA_CHECK_BIDI | UIDNA_CHECK_CONTEXTJ |
                          UIDNA_NONTRANSITIONAL_TO_ASCII | UIDNA_NONTRANSITIONAL_TO_UNICODE,
                      &error));
  if (U_FAILURE(error)) {
    return Internal("IDNA_UNAVAILABLE", "ICU cannot check host names");
  }
  // A valid name is at most 253 bytes of ASCII; more does not fit and is refused.
  char ascii[256];
  UIDNAInfo info = UIDNA_INFO_INITIALIZER;
  uidna_nameToASCII_UTF8(idna.get(), host.data(), static_cast<int32_t>(host.size()), ascii,
                         sizeof ascii, &info, &error);
  if (U_FAILURE(error) || info.errors != 0) {
    return Invalid("has a host that is not a valid domain name");
  }
  // The Unicode form (punycode labels decoded) is what people read: check its alphabets.
  error = U_ZERO_ERROR;
  info = UIDNA_INFO_INITIALIZER;
  char unicode[1024];
  const int32_t length =
      uidna_nameToUnicodeUTF8(idna.get(), host.data(), static_cast<int32_t>(host.size()), unicode,
                              sizeof unicode, &info, &error);
  if (U_FAILURE(error) || info.errors != 0) {
    return Invalid("has a host that is not a valid domain name");
  }
  if (!LabelsKeepToOneScript(absl::string_view(unicode, static_cast<size_t>(length)))) {
    return Invalid("has a host that mixes alphabets in one word");
  }
  return absl::OkStatus();
}

absl::Status CheckPort(absl::string_view port) {
  int value = 0;
  if (port.empty() || port.size() > 5 || !absl::SimpleAtoi(port, &value) || value < 1 ||
      value > 65535 || !std::all_of(port.begin(), port.end(), [](char c) {
        return absl::ascii_isdigit(static_cast<unsigned char>(c));
      })) {
    return Invalid("has a port that is not 1–65535");
  }
  return absl::OkStatus();
}

absl::Status CheckAuthority(absl::string_view authority) {
  if (absl::StrContains(authority, '@')) return Invalid("names a user (user@host)");
  if (absl::StartsWith(authority, "[")) {
    const size_t close = authority.find(']');
    if (close == absl::string_view::npos) return Invalid("has an unclosed IPv6 address");
    const std::string address(authority.substr(1, close - 1));
    in6_addr parsed;
    if (inet_pton(AF_INET6, address.c_str(), &parsed) != 1) {
      return Invalid("has an invalid IPv6 address");
    }
    const absl::string_view rest = authority.substr(close + 1);
    if (rest.empty()) return absl::OkStatus();
    if (rest[0] != ':') return Invalid("has characters after its IPv6 address");
    return CheckPort(rest.substr(1));
  }
  absl::string_view host = authority;
  if (const size_t colon = authority.find(':'); colon != absl::string_view::npos) {
    host = authority.substr(0, colon);
    RETURN_IF_ERROR(CheckPort(authority.substr(colon + 1)));
  }
  if (host.empty()) return Invalid("has no host");
  return CheckDomain(host);
}

}  // namespace

absl::Status CheckLinkUrl(absl::string_view url) {
  RETURN_IF_ERROR(CheckCharacters(url));
  const size_t separator = url.find("://");
  if (separator == absl::string_view::npos) {
    return Invalid("is not an http or https address with a host (\"https://…\")");
  }
  const absl::string_view scheme = url.substr(0, separator);
  if (!absl::EqualsIgnoreCase(scheme, "http") && !absl::EqualsIgnoreCase(scheme, "https")) {
    return Invalid("is not an http or https address");
  }
  const absl::string_view rest = url.substr(separator + 3);
  return CheckAuthority(rest.substr(0, rest.find_first_of("/?#")));
}

bool IsAllowedHref(absl::string_view href) {
  if (absl::StartsWithIgnoreCase(href, "mailto:")) {
    return href.size() > 7 && CheckCharacters(href).ok();
  }
  return CheckLinkUrl(href).ok();
}

}  // namespace parta::content
