#pragma once

// The scopes a request asks for: a space-separated subset of those the emulator knows, always
// with `openid`.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace parta::esia_emulator {

// Every scope the emulator grants, in the order of ESIA's documentation.
inline constexpr absl::string_view kKnownScopes[] = {
    "openid", "fullname", "birthdate",    "gender",        "snils",
    "email",  "mobile",   "kid_fullname", "kid_birthdate", "kid_gender"};

class ScopeSet {
 public:
  // INVALID_ARGUMENT with reason UNKNOWN_SCOPE for a scope not in kKnownScopes, NO_OPENID when
  // `openid` is missing (an empty string included). Repeated scopes and extra spaces are fine.
  static absl::StatusOr<ScopeSet> Parse(absl::string_view text);

  bool Has(absl::string_view scope) const;
  // The scopes, space-separated, in kKnownScopes' order.
  std::string ToString() const;

 private:
  std::vector<absl::string_view> scopes_;  // views of kKnownScopes, in its order, no repeats
};

}  // namespace parta::esia_emulator
