#include "services/identity/domain/key_ring.h"

#include <algorithm>

#include "libs/core/status.h"

namespace parta::identity {
namespace {

SigningKeyRecord NewKey(IdGenerator& ids, absl::Time now, absl::Time activates_at,
                        const KeyRotationPolicy& policy) {
  SigningKeyRecord record;
  record.kid = ids.NewId();
  record.private_key = auth::Ed25519PrivateKey::Generate().RawPrivate();
  record.created_at = now;
  record.activates_at = activates_at;
  record.retires_at = activates_at + policy.rotation;
  record.expires_at = record.retires_at + policy.token_lifetime + policy.leeway;
  return record;
}

}  // namespace

KeyChanges PlanKeyRotation(const std::vector<SigningKeyRecord>& current, absl::Time now,
                           const KeyRotationPolicy& policy, IdGenerator& ids) {
  KeyChanges changes;
  for (const SigningKeyRecord& key : current) {
    if (key.expires_at <= now) changes.remove.push_back(key.kid);
  }
  // The key whose signing window ends last decides what comes next.
  const SigningKeyRecord* latest = nullptr;
  for (const SigningKeyRecord& key : current) {
    if (key.expires_at > now && (latest == nullptr || key.retires_at > latest->retires_at)) {
      latest = &key;
    }
  }
  if (latest == nullptr || latest->retires_at <= now) {
    // Nothing can sign: start at once (first start, or a service that was down for a whole
    // rotation period). Tokens of the new key verify once verifiers refetch on its unknown kid.
    changes.add.push_back(NewKey(ids, now, now, policy));
  } else if (latest->retires_at - policy.publish_ahead <= now) {
    changes.add.push_back(NewKey(ids, now, latest->retires_at, policy));
  }
  return changes;
}

KeyRing::KeyRing(KeyStore& store, const Clock& clock, IdGenerator& ids, KeyRotationPolicy policy)
    : store_(store), clock_(clock), ids_(ids), policy_(policy) {}

absl::Status KeyRing::Maintain() {
  RETURN_IF_ERROR(store_.Maintain([this](const std::vector<SigningKeyRecord>& current) {
    return PlanKeyRotation(current, clock_.Now(), policy_, ids_);
  }));
  ASSIGN_OR_RETURN(std::vector<SigningKeyRecord> records, store_.LoadKeys());
  std::vector<LoadedKey> loaded;
  for (SigningKeyRecord& record : records) {
    ASSIGN_OR_RETURN(auth::Ed25519PrivateKey key,
                     auth::Ed25519PrivateKey::FromRaw(record.private_key));
    loaded.push_back({std::move(record), std::move(key)});
  }
  absl::MutexLock lock(&mu_);
  keys_ = std::move(loaded);
  return absl::OkStatus();
}

absl::StatusOr<KeyRing::Signer> KeyRing::CurrentSigner() const {
  absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  const LoadedKey* best = nullptr;
  for (const LoadedKey& loaded : keys_) {
    const SigningKeyRecord& key = loaded.record;
    if (key.activates_at <= now && now < key.retires_at &&
        (best == nullptr || key.activates_at > best->record.activates_at)) {
      best = &loaded;
    }
  }
  if (best == nullptr) return Unavailable("NO_SIGNING_KEY", "no token signing key is active");
  return Signer{best->record.kid, best->key};
}

absl::StatusOr<KeyRing::Signer> KeyRing::SignerById(absl::string_view kid) const {
  absl::MutexLock lock(&mu_);
  for (const LoadedKey& loaded : keys_) {
    if (loaded.record.kid == kid) return Signer{loaded.record.kid, loaded.key};
  }
  return Unavailable("NO_SIGNING_KEY", "the signing key was removed");
}

absl::StatusOr<auth::KeySet> KeyRing::FetchKeys() {
  absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  auth::KeySet keys;
  for (const LoadedKey& loaded : keys_) {
    if (now < loaded.record.expires_at) keys.emplace(loaded.record.kid, loaded.key.PublicKey());
  }
  return keys;
}

}  // namespace parta::identity
