#pragma once

// Validation and normalisation of what people type: e-mail addresses, phone numbers, passwords
// and display names. Unicode-aware (ICU); errors are INVALID_ARGUMENT with a stable reason.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/text/utf8.h"
#include "services/identity/domain/account.h"

namespace parta::identity {

using text::Utf8Length;

// Trimmed, NFC, lower-cased (Unicode case folding, so IDN domains work too).
// INVALID_EMAIL when it is not a plausible address of at most 254 characters.
absl::StatusOr<std::string> NormalizeEmail(absl::string_view email);

// E.164 ("+79161234567"). Numbers without a country code are read as Russian.
// INVALID_PHONE when it is not a valid number.
absl::StatusOr<std::string> NormalizePhone(absl::string_view phone);

// 12 to 128 characters (code points), valid UTF-8 and hard to guess: PASSWORD_TOO_SHORT,
// PASSWORD_TOO_LONG, INVALID_PASSWORD (not UTF-8), WEAK_PASSWORD (common, dictionary-based or
// built from the person's own login or name, given in `personal`).
absl::Status CheckPasswordStrength(absl::string_view password,
                                   const std::vector<std::string>& personal);

// A login as people type it: an e-mail address when it has an "@", a school-managed account's
// username when it starts with a Latin letter, otherwise a phone number; normalised as above
// (INVALID_EMAIL, INVALID_USERNAME or INVALID_PHONE).
absl::StatusOr<std::string> NormalizeLogin(absl::string_view login);

// NOT_FOUND ACCOUNT_NOT_FOUND.
absl::Status AccountNotFound();
// An account id as stored (lower case): INVALID_ACCOUNT_ID unless a UUID.
absl::StatusOr<std::string> AccountIdOf(absl::string_view account_id);
// An operator's or a person's reason as audited: without surrounding white space.
std::string TrimmedReason(absl::string_view reason);

// OK for an active account; UNAUTHENTICATED otherwise: ACCOUNT_LOCKED (by an operator) or
// ACCOUNT_CLOSED (closed for erasure, or erased).
absl::Status RequireActive(const Account& account);

// A username of a school-managed account: 3–32 Latin letters and digits starting with a letter,
// lower-cased (INVALID_USERNAME).
absl::StatusOr<std::string> NormalizeUsername(absl::string_view username);

// A one-time login code as printed ("XXXX-XXXX-XXXX"): spaces and dashes dropped, upper case,
// O read as 0 and I, L as 1; INVALID_CODE unless 12 characters of the code alphabet.
absl::StatusOr<std::string> NormalizeLoginCode(absl::string_view code);

// Trimmed, NFC, 1 to 100 characters, no control characters: INVALID_DISPLAY_NAME otherwise.
absl::StatusOr<std::string> NormalizeDisplayName(absl::string_view name);

// A SNILS as its 11 digits ("112-233-445 95" → "11223344595"), its check number right: the sum
// of the first nine digits weighted 9 down to 1, modulo 101, 100 counting as 0 (numbers up to
// 001-001-998 carry no check). INVALID_SNILS otherwise.
absl::StatusOr<std::string> NormalizeSnils(absl::string_view snils);
// What a person is shown of his SNILS: "***-***-*** 95".
std::string MaskSnils(absl::string_view digits);

}  // namespace parta::identity
