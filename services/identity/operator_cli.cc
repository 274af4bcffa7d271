#include "services/identity/operator_cli.h"

#include <iostream>

#include "libs/core/clock.h"
#include "libs/core/status.h"
#include "libs/pg/pool.h"
#include "services/identity/adapters/pg_store.h"

namespace parta::identity {

absl::Status CreateOperator(const IdentityConfig& config, const std::string& login,
                            std::istream& password_input) {
  SystemClock clock;
  UuidV7Generator ids(clock);
  pg::Pool pool({.uri = config.pg_uri, .size = 2});
  PgIdentityStore store(pool);
  PgKeyStore key_store(pool, *config.master_key);
  KeyRing keys(key_store, clock, ids, config.keys);
  RefreshTokenCodec refresh_tokens(config.master_key->DeriveSubkey(kRefreshChainPurpose));
  auth::PasswordHasher hasher(config.hashing);
  Identity identity(store, hasher, keys, refresh_tokens, clock, ids, config.identity);

  std::string password;
  std::getline(password_input, password);
  absl::StatusOr<Account> account = identity.GrantOperator(
      login, RegisterInput{.password = password, .display_name = "Operator"});
  if (!account.ok()) return account.status();
  std::cout << "operator " << account->id << "\n";
  return absl::OkStatus();
}

}  // namespace parta::identity
