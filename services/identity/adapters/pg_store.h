#pragma once

// The identity service's Postgres adapter: accounts, sessions, refresh tokens and retried
// creates' answers sealed with the master key (IdentityStore), signing keys sealed with it too
// (KeyStore) and the revocation check of sessions (auth::RevocationList).

#include "libs/auth/token_verifier.h"
#include "libs/pg/outbox.h"
#include "libs/pg/pool.h"
#include "services/identity/adapters/master_key.h"
#include "services/identity/domain/ports.h"

namespace parta::identity {

// The outbox stream of SessionRevoked events.
inline constexpr absl::string_view kSessionsStream = "sessions";
// The outbox stream of AccountEvents (locks, erasures), followed by every other service.
inline constexpr absl::string_view kAccountsStream = "accounts";

class PgIdentityStore final : public IdentityStore {
 public:
  PgIdentityStore(pg::Pool& pool, const MasterKey& master_key)
      : pool_(pool), master_key_(master_key) {}
  absl::Status Transact(const std::function<absl::Status(IdentityTransaction&)>& work) override;
  absl::Status Read(const std::function<absl::Status(IdentityTransaction&)>& work) override;
  absl::StatusOr<std::vector<Event>> ReadAccountEvents(int64_t after_sequence,
                                                       int limit) override {
    return pg::ReadOutbox(pool_, std::string(kAccountsStream), after_sequence, limit);
  }

 private:
  pg::Pool& pool_;
  const MasterKey& master_key_;
};

class PgKeyStore final : public KeyStore {
 public:
  PgKeyStore(pg::Pool& pool, const MasterKey& master_key) : pool_(pool), master_key_(master_key) {}
  absl::StatusOr<std::vector<SigningKeyRecord>> LoadKeys() override;
  absl::Status Maintain(
      const std::function<KeyChanges(const std::vector<SigningKeyRecord>& current)>& plan)
      override;

 private:
  absl::StatusOr<std::vector<SigningKeyRecord>> Load(pqxx::work& tx);

  pg::Pool& pool_;
  const MasterKey& master_key_;
};

// A session is revoked when it was revoked, does not exist, or its account is not active.
class PgSessionRevocations final : public auth::RevocationList {
 public:
  explicit PgSessionRevocations(pg::Pool& pool) : pool_(pool) {}
  absl::StatusOr<bool> IsRevoked(absl::string_view session_id) override;

 private:
  pg::Pool& pool_;
};

}  // namespace parta::identity
