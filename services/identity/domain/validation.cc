#include "services/identity/domain/validation.h"

#include <phonenumbers/phonenumberutil.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>
#include <zxcvbn.h>

#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/core/random.h"
#include "libs/core/status.h"

namespace parta::identity {
namespace {

// Passwords must resist an offline attack on a slow hash: at least 10^9 guesses by zxcvbn's
// estimate (about 30 bits).
constexpr double kMinimumPasswordBits = 30.0;

std::optional<icu::UnicodeString> NormalizedNfc(absl::string_view text) {
  if (Utf8Length(text) < 0) return std::nullopt;
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
  if (U_FAILURE(status)) return std::nullopt;
  icu::UnicodeString normalized = nfc->normalize(
      icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), text.size())), status);
  if (U_FAILURE(status)) return std::nullopt;
  return normalized;
}

std::string ToUtf8(const icu::UnicodeString& text) {
  std::string out;
  text.toUTF8String(out);
  return out;
}

bool IsAtext(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
         absl::string_view("!#$%&'*+/=?^_`{|}~-").find(c) != absl::string_view::npos;
}

bool ValidLocalPart(absl::string_view local) {
  if (local.empty() || local.size() > 64 || local.front() == '.' || local.back() == '.') {
    return false;
  }
  char previous = 0;
  for (char c : local) {
    if (c == '.' ? previous == '.' : !IsAtext(c)) return false;
    previous = c;
  }
  return true;
}

bool ValidDomainLabel(const icu::UnicodeString& label) {
  if (label.length() == 0 || label.length() > 63 || label.charAt(0) == u'-' ||
      label.charAt(label.length() - 1) == u'-') {
    return false;
  }
  for (int32_t i = 0; i < label.length();) {
    UChar32 c = label.char32At(i);
    if (c != u'-' && !u_isalnum(c)) return false;
    i += U16_LENGTH(c);
  }
  return true;
}

bool ValidDomain(absl::string_view domain) {
  if (domain.empty() || domain.size() > 253) return false;
  std::vector<absl::string_view> labels = absl::StrSplit(domain, '.');
  if (labels.size() < 2) return false;
  for (absl::string_view label : labels) {
    if (!ValidDomainLabel(
            icu::UnicodeString::fromUTF8(icu::StringPiece(label.data(), label.size())))) {
      return false;
    }
  }
  icu::UnicodeString tld =
      icu::UnicodeString::fromUTF8(icu::StringPiece(labels.back().data(), labels.back().size()));
  for (int32_t i = 0; i < tld.length(); ++i) {
    if (!u_isalpha(tld.charAt(i)) && !absl::StartsWith(labels.back(), "xn--")) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<std::string> NormalizeEmail(absl::string_view email) {
  auto invalid = [] { return InvalidArgument("INVALID_EMAIL", "not a valid e-mail address"); };
  if (email.size() > 1024) return invalid();
  std::optional<icu::UnicodeString> normalized = NormalizedNfc(email);
  if (!normalized) return invalid();
  normalized->trim().foldCase();
  std::string text = ToUtf8(*normalized);
  size_t at = text.rfind('@');
  if (at == std::string::npos || Utf8Length(text) > 254 ||
      !ValidLocalPart(absl::string_view(text).substr(0, at)) ||
      !ValidDomain(absl::string_view(text).substr(at + 1))) {
    return invalid();
  }
  return text;
}

absl::StatusOr<std::string> NormalizePhone(absl::string_view phone) {
  using i18n::phonenumbers::PhoneNumber;
  using i18n::phonenumbers::PhoneNumberUtil;
  auto invalid = [] { return InvalidArgument("INVALID_PHONE", "not a valid phone number"); };
  if (phone.empty() || phone.size() > 64 || Utf8Length(phone) < 0) return invalid();
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  PhoneNumber number;
  if (util.Parse(std::string(phone), "RU", &number) != PhoneNumberUtil::NO_PARSING_ERROR ||
      !util.IsValidNumber(number)) {
    return invalid();
  }
  std::string formatted;
  util.Format(number, PhoneNumberUtil::E164, &formatted);
  return formatted;
}

absl::StatusOr<std::string> NormalizeLogin(absl::string_view login) {
  if (absl::StrContains(login, '@')) return NormalizeEmail(login);
  absl::string_view trimmed = absl::StripAsciiWhitespace(login);
  if (!trimmed.empty() && absl::ascii_isalpha(static_cast<unsigned char>(trimmed[0]))) {
    return NormalizeUsername(trimmed);
  }
  return NormalizePhone(login);
}

absl::StatusOr<std::string> NormalizeUsername(absl::string_view username) {
  std::string out = absl::AsciiStrToLower(absl::StripAsciiWhitespace(username));
  bool valid = out.size() >= 3 && out.size() <= 32 && absl::ascii_isalpha(out[0]);
  for (char c : out) valid = valid && absl::ascii_isalnum(static_cast<unsigned char>(c));
  if (!valid) return InvalidArgument("INVALID_USERNAME", "not a valid username");
  return out;
}

absl::StatusOr<std::string> NormalizeLoginCode(absl::string_view code) {
  std::optional<std::string> normalized = NormalizeCode(code, 12);
  if (!normalized) {
    return InvalidArgument("INVALID_CODE", "a login code has 12 letters and digits");
  }
  return *std::move(normalized);
}

absl::Status CheckPasswordStrength(absl::string_view password,
                                   const std::vector<std::string>& personal) {
  int length = Utf8Length(password);
  if (length < 0) return InvalidArgument("INVALID_PASSWORD", "the password is not valid UTF-8");
  if (length < 12) {
    return InvalidArgument("PASSWORD_TOO_SHORT", "the password needs at least 12 characters");
  }
  if (length > 128) {
    return InvalidArgument("PASSWORD_TOO_LONG", "the password may have at most 128 characters");
  }
  if (password.find('\0') != absl::string_view::npos) {
    return InvalidArgument("INVALID_PASSWORD", "the password contains a NUL character");
  }
  // The person's own login and name, split into words, count as known to an attacker.
  std::vector<std::string> words;
  for (const std::string& item : personal) {
    for (absl::string_view word :
         absl::StrSplit(item, absl::ByAnyChar(" @.+-_"), absl::SkipEmpty())) {
      words.emplace_back(word);
    }
  }
  std::vector<const char*> dictionary;
  for (const std::string& word : words) dictionary.push_back(word.c_str());
  dictionary.push_back(nullptr);
  std::string terminated(password);
  double bits = ZxcvbnMatch(terminated.c_str(), dictionary.data(), nullptr);
  if (bits < kMinimumPasswordBits) {
    return InvalidArgument("WEAK_PASSWORD",
                           "the password is too easy to guess; use a longer phrase");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> NormalizeDisplayName(absl::string_view name) {
  auto invalid = [] {
    return InvalidArgument("INVALID_DISPLAY_NAME",
                           "the name must have 1 to 100 characters and no control characters");
  };
  if (name.size() > 1024) return invalid();
  std::optional<icu::UnicodeString> normalized = NormalizedNfc(name);
  if (!normalized) return invalid();
  normalized->trim();
  if (normalized->length() == 0 || normalized->countChar32() > 100) return invalid();
  for (int32_t i = 0; i < normalized->length();) {
    UChar32 c = normalized->char32At(i);
    if (u_iscntrl(c) || u_charType(c) == U_FORMAT_CHAR || u_charType(c) == U_UNASSIGNED) {
      return invalid();
    }
    i += U16_LENGTH(c);
  }
  return ToUtf8(*normalized);
}

absl::StatusOr<std::string> NormalizeSnils(absl::string_view snils) {
  std::string digits;
  for (const char c : snils) {
    if (absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      digits.push_back(c);
    } else if (c != '-' && c != ' ') {
      return InvalidArgument("INVALID_SNILS", "a SNILS is 11 digits");
    }
  }
  if (digits.size() != 11) return InvalidArgument("INVALID_SNILS", "a SNILS is 11 digits");
  int64_t number = 0;
  int sum = 0;
  for (int i = 0; i < 9; ++i) {
    const int digit = digits[i] - '0';
    number = number * 10 + digit;
    sum += digit * (9 - i);
  }
  if (number <= 1001998) return digits;  // issued before check numbers
  int check = sum % 101;
  if (check == 100) check = 0;
  if (check != (digits[9] - '0') * 10 + (digits[10] - '0')) {
    return InvalidArgument("INVALID_SNILS", "the SNILS's check number is wrong");
  }
  return digits;
}

std::string MaskSnils(absl::string_view digits) {
  if (digits.size() != 11) return "";
  return absl::StrCat("***-***-*** ", digits.substr(9, 2));
}

absl::Status AccountNotFound() {
  return NotFound("ACCOUNT_NOT_FOUND", "the account does not exist");
}

absl::StatusOr<std::string> AccountIdOf(absl::string_view account_id) {
  std::string id = absl::AsciiStrToLower(account_id);
  if (!IsUuid(id)) return InvalidArgument("INVALID_ACCOUNT_ID", "an account id is a UUID");
  return id;
}

std::string TrimmedReason(absl::string_view reason) {
  return std::string(absl::StripAsciiWhitespace(reason));
}

absl::Status RequireActive(const Account& account) {
  switch (account.state) {
    case AccountState::kActive:
      return absl::OkStatus();
    case AccountState::kLocked:
      return Unauthenticated("ACCOUNT_LOCKED", "the account is locked");
    case AccountState::kClosed:
    case AccountState::kDeleted:
      break;
  }
  return Unauthenticated("ACCOUNT_CLOSED", "the account is closed for erasure");
}

}  // namespace parta::identity
