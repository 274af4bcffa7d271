#pragma once

// The government identity provider (ESIA, Госуслуги) as the use cases see it: where a person's
// browser goes to sign in, and who came back. The adapter (esia/) speaks the provider's protocol:
// it signs the requests with the system's certificate, exchanges the code, checks the ID token
// and reads the person's data.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace parta::identity {

// A child of a person, as the provider's register lists him.
struct ProviderChild {
  std::string oid;  // the provider's id of the child
  std::string first_name;
  std::string last_name;
  std::string middle_name;
  std::string birth_date;  // "YYYY-MM-DD"
};

// A person as the provider vouches for him.
struct ProviderPerson {
  std::string oid;  // the provider's stable id of the person
  // A confirmed account: the provider checked the person's data against the state registers.
  bool trusted = false;
  std::string first_name;
  std::string last_name;
  std::string middle_name;
  std::string snils;  // as the provider writes it ("112-233-445 95"); empty when none
  // Asked for with the scopes `kid_fullname` and `kid_birthdate` (empty without them); nullopt
  // when the provider could not say this time (the list kept from before stays).
  std::optional<std::vector<ProviderChild>> children;
};

class GovernmentProvider {
 public:
  virtual ~GovernmentProvider() = default;

  // The provider's address a person's browser is sent to, carrying `state` and `nonce`.
  virtual absl::StatusOr<std::string> AuthorizationUrl(const std::string& state,
                                                       const std::string& nonce) = 0;
  // Exchanges the code the person came back with, checks the ID token (its `nonce` among the
  // rest) and reads the person's data. Errors: UNAVAILABLE ESIA_UNAVAILABLE (the provider cannot
  // be reached), UNAVAILABLE ESIA_TLS (its TLS certificate does not check out), UNAUTHENTICATED
  // ESIA_CODE_REJECTED (the code is unknown, used or expired), UNAVAILABLE ESIA_BAD_RESPONSE (an
  // answer that does not check out: signature, issuer, audience, times, nonce).
  virtual absl::StatusOr<ProviderPerson> Complete(const std::string& code,
                                                  const std::string& nonce) = 0;
};

}  // namespace parta::identity
