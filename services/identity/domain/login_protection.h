#pragma once

// Login protection that slows attackers without locking owners out:
//  - per login: after `free_attempts` failures within `window`, each further failure makes the
//    login wait base_delay · 2^k (capped at max_delay) before the next attempt is heard;
//  - per client address: failed attempts drain a token bucket (burst, refill per second). Only
//    failures count, so a whole school signing in from one address at 9:00 is never throttled,
//    while password spraying from one address is.

#include <cstdint>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/identity/domain/account.h"

namespace parta::identity {

struct LoginProtectionPolicy {
  int free_attempts = 5;
  absl::Duration base_delay = absl::Seconds(1);
  absl::Duration max_delay = absl::Minutes(15);
  absl::Duration window = absl::Hours(1);
  double address_burst = 300;            // failed attempts an address may make at once
  double address_refill_per_second = 2;  // and then per second
  size_t max_tracked_addresses = 100'000;
};

// The failure record after one more failure at `now`.
LoginFailures NextLoginFailure(const std::optional<LoginFailures>& previous, absl::Time now,
                               const LoginProtectionPolicy& policy);

// Token buckets of failed logins per client address (an IPv6 address counts its /64), in this
// process. Thread-safe.
class AddressThrottle {
 public:
  explicit AddressThrottle(LoginProtectionPolicy policy) : policy_(policy) {}

  // Zero when the address may try now, otherwise how long it must wait.
  absl::Duration WaitFor(const std::string& address, absl::Time now);
  void RecordFailure(const std::string& address, absl::Time now);

 private:
  struct Bucket {
    double tokens;
    absl::Time updated;
  };
  void Refill(Bucket& bucket, absl::Time now) const;

  const LoginProtectionPolicy policy_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace parta::identity
