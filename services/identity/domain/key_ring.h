#pragma once

// The signing keys of access tokens and their rotation schedule.
//
// A key is published (in JWKS) as soon as it is created, starts signing `publish_ahead` later,
// signs for `rotation`, and stays published until every token it signed has expired
// (retirement + token lifetime + leeway). Verifiers that refresh their key set at least once per
// `publish_ahead` therefore know every key before they meet a token it signed.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "libs/auth/ed25519.h"
#include "libs/auth/token_verifier.h"
#include "libs/core/clock.h"
#include "libs/core/random.h"
#include "services/identity/domain/ports.h"

namespace parta::identity {

struct KeyRotationPolicy {
  absl::Duration rotation = absl::Hours(24 * 30);
  absl::Duration publish_ahead = absl::Hours(1);
  absl::Duration token_lifetime = absl::Minutes(15);
  absl::Duration leeway = absl::Seconds(30);
};

// What should change in `current` at `now`: the keys to create (with fresh key material from
// `generate`) and the expired keys to remove. Pure: the schedule is tested on its own.
KeyChanges PlanKeyRotation(const std::vector<SigningKeyRecord>& current, absl::Time now,
                           const KeyRotationPolicy& policy, IdGenerator& ids);

class KeyRing final : public auth::KeySource {
 public:
  KeyRing(KeyStore& store, const Clock& clock, IdGenerator& ids, KeyRotationPolicy policy);

  // Applies the rotation schedule, then reloads the keys. Run at start-up and periodically.
  absl::Status Maintain();

  struct Signer {
    std::string kid;
    auth::Ed25519PrivateKey key;
  };
  // The key that signs now; UNAVAILABLE (NO_SIGNING_KEY) before the first Maintain().
  absl::StatusOr<Signer> CurrentSigner() const;
  // A published key by id, to re-sign a token issued earlier (refresh grace).
  absl::StatusOr<Signer> SignerById(absl::string_view kid) const;

  // Every published key (auth::KeySource).
  absl::StatusOr<auth::KeySet> FetchKeys() override;

 private:
  struct LoadedKey {
    SigningKeyRecord record;
    auth::Ed25519PrivateKey key;
  };

  KeyStore& store_;
  const Clock& clock_;
  IdGenerator& ids_;
  const KeyRotationPolicy policy_;
  mutable absl::Mutex mu_;
  std::vector<LoadedKey> keys_ ABSL_GUARDED_BY(mu_);
};

}  // namespace parta::identity
