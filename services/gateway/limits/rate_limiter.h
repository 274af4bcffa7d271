#pragma once

// Token buckets per class of route, keyed by the signed-in user, or by the client's address for
// anonymous requests (so a school behind one NAT address is many clients once signed in, and a
// login storm from one address is one). Every decision is local and immediate; a background
// sync adds each bucket's spending to a per-window counter in Redis shared by every gateway, and
// a key whose total passes the class's budget for the window is refused on every replica until
// the window ends. When Redis is down the local buckets go on alone: limits never fail open
// into "unlimited", nor closed into "nobody".

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/core/periodic.h"
#include "libs/redis/client.h"
#include "services/gateway/gateway_metrics.h"
#include "services/gateway/rest/rest_handler.h"

namespace parta::gateway {

struct RateClass {
  double per_second = 0;  // sustained rate; 0 disables the class
  double burst = 0;       // bucket size
};

struct RateLimits {
  // Register, login, activation, refresh, tokens: per address, sized for a school behind one
  // NAT address (1,000 people signing in at 8:25 pass in the burst, and their retries above
  // what identity hashes per second; identity queues the password work and tells those it cannot
  // take in time when to come back). Guessing stays slow where it is decided: identity delays
  // each login after failures and throttles each address's failed attempts.
  RateClass public_routes{.per_second = 100, .burst = 1000};
  RateClass reads{.per_second = 50, .burst = 200};          // GET
  RateClass writes{.per_second = 10, .burst = 50};          // everything else
  absl::Duration window = absl::Seconds(10);                // shared budget window in Redis
  absl::Duration sync_interval = absl::Milliseconds(100);
};

// "public=100/1000,read=50/200,write=10/50" (per second / burst); INVALID_ARGUMENT when malformed.
absl::StatusOr<RateLimits> ParseRateLimits(absl::string_view text, RateLimits defaults);

class RateLimiter final : public Admission {
 public:
  // `redis` may be null (local buckets only).
  RateLimiter(RateLimits limits, redis::Pool* redis, GatewayMetrics& metrics);
  ~RateLimiter() override;

  absl::Status Admit(const Route& route, absl::string_view subject,
                     absl::string_view client_address) override;

  // Pushes pending spending to Redis now (tests; normally periodic).
  void Sync();

 private:
  struct Bucket {
    const RateClass* limits = nullptr;  // of the bucket's class of route
    double tokens = 0;
    absl::Time refilled = absl::InfinitePast();
    int64_t unsynced = 0;                              // spent since the last sync
    absl::Time blocked_until = absl::InfinitePast();   // the shared budget is spent
    absl::Time last_used = absl::InfinitePast();
  };
  const char* ClassOf(const Route& route, const RateClass** limits) const;

  const RateLimits limits_;
  redis::Pool* const redis_;
  GatewayMetrics& metrics_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<PeriodicTask> sync_task_;
};

}  // namespace parta::gateway
