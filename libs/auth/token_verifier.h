#pragma once

// Verifies access tokens for a process: keys from a KeySource (refreshed on a schedule and, rate
// limited, when a token names an unknown key), a cache so that a signature is checked once per
// token, and a revocation list consulted on every call. A failing revocation list denies:
// nothing is allowed because a cache could not answer.

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "libs/auth/token.h"
#include "libs/core/clock.h"

namespace parta::auth {

// Where public keys come from: identity reads its own store, other services fetch its JWKS.
class KeySource {
 public:
  virtual ~KeySource() = default;
  virtual absl::StatusOr<KeySet> FetchKeys() = 0;
};

// Sessions that were ended before their tokens expired.
class RevocationList {
 public:
  virtual ~RevocationList() = default;
  virtual absl::StatusOr<bool> IsRevoked(absl::string_view session_id) = 0;
};

class TokenVerifier {
 public:
  struct Options {
    VerifyOptions verify;
    absl::Duration key_refresh_interval = absl::Minutes(5);
    absl::Duration min_refetch_interval = absl::Seconds(10);
    size_t cache_capacity = 100'000;
    // How long a "not revoked" answer is reused for a session (plus up to half as much random
    // jitter). Zero asks on every call (the
    // identity service, which owns sessions); other services trade this much staleness for a
    // Redis round trip per call, while revocations reach open sockets through events at once.
    absl::Duration revocation_cache_ttl = absl::ZeroDuration();
    // While the revocation list cannot be read (Redis down), a session confirmed not revoked
    // within this long is still accepted; others are refused. Zero refuses all. A revocation
    // made during the outage cannot be published anyway; it takes effect once Redis is back.
    absl::Duration revocation_outage_grace = absl::ZeroDuration();
  };

  // `revocations` may be null where no session can be revoked (tests of the layer above).
  TokenVerifier(KeySource& keys, RevocationList* revocations, const Clock& clock,
                Options options);

  // UNAUTHENTICATED with the reasons of VerifyToken or SESSION_REVOKED; UNAVAILABLE when keys or
  // the revocation list cannot be read (beyond the outage grace).
  absl::StatusOr<Claims> Verify(absl::string_view token);

  // Verify's answer when it can be given from the caches alone, without blocking (no key fetch,
  // no revocation lookup); nullopt when Verify would have to wait for I/O.
  std::optional<absl::StatusOr<Claims>> VerifyFromCache(absl::string_view token);

  // Fetches the keys now (start-up, readiness checks); the error of the key source on failure.
  absl::Status LoadKeys();
  // Whether keys have been fetched at least once.
  bool HasKeys();

 private:
  // Fetches keys first when due, or when the token names an unknown key and the last fetch is
  // older than min_refetch_interval.
  absl::StatusOr<Claims> VerifySignature(absl::string_view token, absl::Time now);
  absl::Status CheckNotRevoked(const std::string& session_id, absl::Time now);

  KeySource& key_source_;
  RevocationList* revocations_;
  const Clock& clock_;
  const Options options_;

  absl::Mutex keys_mu_;
  std::shared_ptr<const KeySet> keys_ ABSL_GUARDED_BY(keys_mu_);  // null until first fetch
  bool fetching_ ABSL_GUARDED_BY(keys_mu_) = false;
  absl::Time last_fetch_ ABSL_GUARDED_BY(keys_mu_) = absl::InfinitePast();

  absl::Mutex cache_mu_;
  absl::flat_hash_map<std::string, Claims> verified_ ABSL_GUARDED_BY(cache_mu_);
  // Session id → until when it is known not to be revoked.
  // Per session: until when its "not revoked" answer is reused, and when it was last confirmed.
  struct SessionCheck {
    absl::Time fresh_until;
    absl::Time confirmed_at;
  };
  absl::flat_hash_map<std::string, SessionCheck> live_sessions_ ABSL_GUARDED_BY(cache_mu_);
};

}  // namespace parta::auth
