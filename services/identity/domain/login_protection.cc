#include "services/identity/domain/login_protection.h"

#include <algorithm>
#include <cmath>

#include "libs/core/address_group.h"

namespace parta::identity {

LoginFailures NextLoginFailure(const std::optional<LoginFailures>& previous, absl::Time now,
                               const LoginProtectionPolicy& policy) {
  LoginFailures next;
  next.failures = previous && now - previous->last_failure_at < policy.window
                      ? previous->failures + 1
                      : 1;
  next.last_failure_at = now;
  int over = next.failures - policy.free_attempts;
  if (over <= 0) {
    next.blocked_until = now;
  } else {
    double factor = std::ldexp(1.0, std::min(over - 1, 30));
    next.blocked_until = now + std::min(policy.base_delay * factor, policy.max_delay);
  }
  return next;
}

void AddressThrottle::Refill(Bucket& bucket, absl::Time now) const {
  double seconds = absl::ToDoubleSeconds(now - bucket.updated);
  if (seconds > 0) {
    bucket.tokens =
        std::min(policy_.address_burst, bucket.tokens + seconds * policy_.address_refill_per_second);
    bucket.updated = now;
  }
}

absl::Duration AddressThrottle::WaitFor(const std::string& client_address, absl::Time now) {
  const std::string address = AddressGroup(client_address);
  absl::MutexLock lock(&mu_);
  auto it = buckets_.find(address);
  if (it == buckets_.end()) return absl::ZeroDuration();
  Refill(it->second, now);
  if (it->second.tokens >= 1) return absl::ZeroDuration();
  return absl::Seconds((1 - it->second.tokens) / policy_.address_refill_per_second);
}

void AddressThrottle::RecordFailure(const std::string& client_address, absl::Time now) {
  const std::string address = AddressGroup(client_address);
  absl::MutexLock lock(&mu_);
  if (buckets_.size() >= policy_.max_tracked_addresses && !buckets_.contains(address)) {
    // Forget addresses whose buckets have refilled; they would start full anyway.
    absl::erase_if(buckets_, [&](auto& entry) {
      Refill(entry.second, now);
      return entry.second.tokens >= policy_.address_burst;
    });
    if (buckets_.size() >= policy_.max_tracked_addresses) return;
  }
  auto [it, inserted] = buckets_.try_emplace(address, Bucket{policy_.address_burst, now});
  Refill(it->second, now);
  it->second.tokens = std::max(0.0, it->second.tokens - 1);
}

}  // namespace parta::identity
