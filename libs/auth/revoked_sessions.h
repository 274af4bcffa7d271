#pragma once

// The Redis side of session revocation, shared by the identity service (which writes it from
// its outbox relay) and every other service's TokenVerifier (which reads it). One key per
// revoked session, living as long as the session's tokens could: "parta:revoked-session:<sid>".

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/auth/token_verifier.h"
#include "libs/redis/client.h"

namespace parta::auth {

std::string RevokedSessionKey(absl::string_view session_id);

// Records the revocation for `ttl` (at least the access token lifetime plus leeway).
absl::Status MarkSessionRevoked(redis::Pool& pool, absl::string_view session_id,
                                absl::Duration ttl);

// A RevocationList over Redis. When Redis cannot answer, IsRevoked fails and the verifier
// denies: nothing is allowed because a cache could not answer.
class RedisRevocationList final : public RevocationList {
 public:
  explicit RedisRevocationList(redis::Pool& pool) : pool_(pool) {}
  absl::StatusOr<bool> IsRevoked(absl::string_view session_id) override;

 private:
  redis::Pool& pool_;
};

}  // namespace parta::auth
