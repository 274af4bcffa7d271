#include "libs/testing/tokens.h"

#include "libs/core/random.h"

namespace parta::testing {
namespace {

constexpr char kKeyId[] = "test-key";

class FixedKeySource final : public auth::KeySource {
 public:
  explicit FixedKeySource(auth::KeySet keys) : keys_(std::move(keys)) {}
  absl::StatusOr<auth::KeySet> FetchKeys() override { return keys_; }

 private:
  const auth::KeySet keys_;
};

}  // namespace

TestTokens::TestTokens(const Clock& clock, std::string issuer, std::string audience)
    : clock_(clock),
      issuer_(std::move(issuer)),
      audience_(std::move(audience)),
      key_(auth::Ed25519PrivateKey::Generate()) {}

std::unique_ptr<auth::KeySource> TestTokens::KeySource() const {
  auth::KeySet keys;
  keys.emplace(kKeyId, key_.PublicKey());
  return std::make_unique<FixedKeySource>(std::move(keys));
}

std::string TestTokens::User(const std::string& user_id, bool is_operator) const {
  return Sign({.subject = user_id, .session_id = "session-" + user_id, .is_operator = is_operator});
}

std::string TestTokens::Service(const std::string& client_id,
                                const std::vector<std::string>& scopes,
                                const std::vector<std::string>& school_ids,
                                const std::vector<std::string>& region_codes) const {
  return Sign({.subject = client_id,
               .client_id = client_id,
               .client_name = "Электронный журнал",
               .scopes = scopes,
               .school_ids = school_ids,
               .region_codes = region_codes});
}

std::string TestTokens::Sign(auth::Claims claims) const {
  absl::Time now = clock_.Now();
  claims.issuer = issuer_;
  claims.audience = audience_;
  claims.token_id = NewUuidV7(now);
  claims.issued_at = now;
  claims.not_before = now;
  claims.expires_at = now + absl::Hours(1);
  return auth::SignToken(key_, kKeyId, claims);
}

}  // namespace parta::testing
