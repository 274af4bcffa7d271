#include "tools/esia-emulator/grants.h"

#include <utility>

#include "libs/core/status.h"
#include "tools/esia-emulator/random_id.h"

namespace parta::esia_emulator {

template <class T>
absl::StatusOr<std::string> GrantStore::Add(Table<T>& table, T value, absl::Duration lifetime) {
  const absl::Time now = clock_.Now();
  absl::erase_if(table, [now](const auto& entry) { return entry.second.expires <= now; });
  if (table.size() >= limits_.max_entries) {
    return ResourceExhausted("TOO_MANY_GRANTS", "too many requests in progress; try later");
  }
  std::string id = RandomId();
  table.emplace(id, Expiring<T>{std::move(value), now + lifetime});
  return id;
}

template <class T>
std::optional<T> GrantStore::Take(Table<T>& table, const std::string& id) {
  const auto found = table.find(id);
  if (found == table.end()) return std::nullopt;
  Expiring<T> entry = std::move(found->second);
  table.erase(found);
  if (entry.expires <= clock_.Now()) return std::nullopt;
  return std::move(entry.value);
}

absl::StatusOr<std::string> GrantStore::AddPending(PendingAuthorization request) {
  absl::MutexLock lock(&mu_);
  return Add(pending_, std::move(request), limits_.pending_lifetime);
}

absl::StatusOr<std::string> GrantStore::AddCode(AuthorizationCode code) {
  absl::MutexLock lock(&mu_);
  return Add(codes_, std::move(code), limits_.code_lifetime);
}

absl::StatusOr<std::string> GrantStore::AddAccessToken(AccessGrant grant) {
  absl::MutexLock lock(&mu_);
  return Add(access_tokens_, std::move(grant), limits_.access_token_lifetime);
}

std::optional<PendingAuthorization> GrantStore::TakePending(const std::string& id) {
  absl::MutexLock lock(&mu_);
  return Take(pending_, id);
}

std::optional<AuthorizationCode> GrantStore::TakeCode(const std::string& code) {
  absl::MutexLock lock(&mu_);
  return Take(codes_, code);
}

std::optional<AccessGrant> GrantStore::FindAccessToken(const std::string& token) const {
  absl::MutexLock lock(&mu_);
  const auto found = access_tokens_.find(token);
  if (found == access_tokens_.end() || found->second.expires <= clock_.Now()) return std::nullopt;
  return found->second.value;
}

}  // namespace parta::esia_emulator
