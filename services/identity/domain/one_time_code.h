#pragma once

// The six-digit codes sent to an e-mail or phone (password resets, address confirmations):
// made uniformly at random, read back as people type them, stored only as a hash bound to the
// account.

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace parta::identity {

inline constexpr int kOneTimeCodeDigits = 6;

// Six uniformly random digits.
std::string NewOneTimeCode();

// The code as typed: spaces and dashes dropped; nullopt unless six digits remain.
std::optional<std::string> NormalizeOneTimeCode(absl::string_view typed);

// Hex SHA-256 of "<account id>:<code>": a code opens only the account it was made for.
std::string OneTimeCodeHash(absl::string_view account_id, absl::string_view code);

// Compares two hashes in constant time.
bool SameCodeHash(absl::string_view a, absl::string_view b);

}  // namespace parta::identity
