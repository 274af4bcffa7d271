#include "services/identity/operator_cli.h"

#include <iostream>
#include <ostream>

#include "libs/core/clock.h"
#include "libs/core/status.h"
#include "libs/pg/pool.h"
#include "services/identity/adapters/pg_store.h"

namespace parta::identity {

namespace {

// The identity use cases over the service's database, without serving anything.
struct OfflineIdentity {
  explicit OfflineIdentity(const IdentityConfig& config)
      : ids(clock),
        pool({.uri = config.pg_uri, .size = 2}),
        store(pool, *config.master_key),
        key_store(pool, *config.master_key),
        keys(key_store, clock, ids, config.keys),
        refresh_tokens(config.master_key->DeriveSubkey(kRefreshChainPurpose)),
        hasher(config.hashing),
        identity(store, hasher, keys, refresh_tokens, clock, ids, config.identity) {}

  SystemClock clock;
  UuidV7Generator ids;
  pg::Pool pool;
  PgIdentityStore store;
  PgKeyStore key_store;
  KeyRing keys;
  RefreshTokenCodec refresh_tokens;
  auth::PasswordHasher hasher;
  Identity identity;
};

}  // namespace

absl::Status CreateServiceClient(const IdentityConfig& config, const std::string& name,
                                 std::ostream& out) {
  OfflineIdentity offline(config);
  absl::StatusOr<NewApiClient> client = offline.identity.CreateServiceClient(name);
  if (!client.ok()) return client.status();
  out << client->client_id << " " << client->client_secret << "\n";
  return absl::OkStatus();
}

absl::Status CreateOperator(const IdentityConfig& config, const std::string& login,
                            std::istream& password_input) {
  OfflineIdentity offline(config);
  Identity& identity = offline.identity;

  std::string password;
  std::getline(password_input, password);
  absl::StatusOr<Account> account = identity.GrantOperator(
      login, RegisterInput{.password = password, .display_name = "Operator"});
  if (!account.ok()) return account.status();
  std::cout << "operator " << account->id << "\n";
  return absl::OkStatus();
}

}  // namespace parta::identity
