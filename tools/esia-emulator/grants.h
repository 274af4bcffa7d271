#pragma once

// What the provider remembers between requests, in memory: pending authorisation requests (the
// login page is open), authorisation codes and access tokens. Each kind has its own lifetime and
// a bound on how many are kept; expired entries are dropped as new ones arrive. Thread-safe.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/core/clock.h"

namespace parta::esia_emulator {

// An authorisation request whose login page is open.
struct PendingAuthorization {
  std::string client_id;
  std::string redirect_uri;
  std::string scope;  // as ScopeSet::ToString()
  std::string state;
  std::optional<std::string> nonce;  // absent when the request carried none
};

// A code handed to the system after the person logged in.
struct AuthorizationCode {
  PendingAuthorization request;
  int64_t oid = 0;  // the person who logged in
  absl::Time auth_time;
};

// What an access token lets its bearer read.
struct AccessGrant {
  int64_t oid = 0;
  std::string scope;
};

class GrantStore {
 public:
  struct Limits {
    absl::Duration pending_lifetime = absl::Minutes(10);
    absl::Duration code_lifetime = absl::Minutes(5);
    absl::Duration access_token_lifetime = absl::Hours(1);
    size_t max_entries = 10'000;  // of each kind
  };

  GrantStore(const Clock& clock, Limits limits) : clock_(clock), limits_(limits) {}

  // Each Add returns the new entry's random id; RESOURCE_EXHAUSTED (TOO_MANY_GRANTS) when
  // max_entries of that kind are alive.
  absl::StatusOr<std::string> AddPending(PendingAuthorization request);
  absl::StatusOr<std::string> AddCode(AuthorizationCode code);
  absl::StatusOr<std::string> AddAccessToken(AccessGrant grant);

  // The live entry under `id`, removed so that it is used once; nullopt when unknown or expired.
  std::optional<PendingAuthorization> TakePending(const std::string& id);
  std::optional<AuthorizationCode> TakeCode(const std::string& code);
  // The live grant of `token` (tokens stay until they expire); nullopt when unknown or expired.
  std::optional<AccessGrant> FindAccessToken(const std::string& token) const;

  const Limits& limits() const { return limits_; }

 private:
  template <class T>
  struct Expiring {
    T value;
    absl::Time expires;
  };
  template <class T>
  using Table = absl::flat_hash_map<std::string, Expiring<T>>;

  template <class T>
  absl::StatusOr<std::string> Add(Table<T>& table, T value, absl::Duration lifetime)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  template <class T>
  std::optional<T> Take(Table<T>& table, const std::string& id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Clock& clock_;
  const Limits limits_;
  mutable absl::Mutex mu_;
  Table<PendingAuthorization> pending_ ABSL_GUARDED_BY(mu_);
  Table<AuthorizationCode> codes_ ABSL_GUARDED_BY(mu_);
  Table<AccessGrant> access_tokens_ ABSL_GUARDED_BY(mu_);
};

}  // namespace parta::esia_emulator
