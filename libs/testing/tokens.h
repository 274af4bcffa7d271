#pragma once

// Access tokens for api tests of services other than identity: a signing key of the test's
// own, offered to the service under test as its key source, and tokens signed with it for any
// account id. The service verifies them with its real verifier.

#include <memory>
#include <string>
#include <vector>

#include "libs/auth/ed25519.h"
#include "libs/auth/token.h"
#include "libs/auth/token_verifier.h"
#include "libs/core/clock.h"

namespace parta::testing {

class TestTokens {
 public:
  // Tokens are issued at `clock`'s time (the service's clock), which must outlive this.
  explicit TestTokens(const Clock& clock, std::string issuer = "parta-identity",
                      std::string audience = "parta");

  // A key source for the service under test (it may outlive this object).
  std::unique_ptr<auth::KeySource> KeySource() const;

  // A user token for `user_id`, valid for an hour; every token of one user carries one session.
  std::string User(const std::string& user_id, bool is_operator = false) const;
  // A service token (client credentials) with `scopes`, limited to `school_ids` and the schools
  // of `region_codes` when either is given.
  std::string Service(const std::string& client_id, const std::vector<std::string>& scopes,
                      const std::vector<std::string>& school_ids = {},
                      const std::vector<std::string>& region_codes = {}) const;

 private:
  std::string Sign(auth::Claims claims) const;

  const Clock& clock_;
  const std::string issuer_;
  const std::string audience_;
  auth::Ed25519PrivateKey key_;
};

}  // namespace parta::testing
