#include "services/gateway/limits/rate_limiter.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "libs/core/address_group.h"
#include "libs/core/log.h"
#include "libs/core/status.h"

namespace parta::gateway {
namespace {

constexpr size_t kMaxBuckets = 200'000;

}  // namespace

absl::StatusOr<RateLimits> ParseRateLimits(absl::string_view text, RateLimits limits) {
  for (absl::string_view entry : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    entry = absl::StripAsciiWhitespace(entry);
    std::vector<absl::string_view> name_value = absl::StrSplit(entry, '=');
    std::vector<absl::string_view> numbers =
        name_value.size() == 2 ? absl::StrSplit(name_value[1], '/')
                               : std::vector<absl::string_view>();
    RateClass parsed;
    if (numbers.size() != 2 || !absl::SimpleAtod(numbers[0], &parsed.per_second) ||
        !absl::SimpleAtod(numbers[1], &parsed.burst) || parsed.per_second < 0 ||
        parsed.burst < 0) {
      return InvalidArgument("INVALID_RATE_LIMITS",
                             absl::StrCat("a rate limit is class=per_second/burst, got ", entry));
    }
    if (name_value[0] == "public") {
      limits.public_routes = parsed;
    } else if (name_value[0] == "read") {
      limits.reads = parsed;
    } else if (name_value[0] == "write") {
      limits.writes = parsed;
    } else {
      return InvalidArgument("INVALID_RATE_LIMITS",
                             absl::StrCat("unknown rate class ", name_value[0]));
    }
  }
  return limits;
}

RateLimiter::RateLimiter(RateLimits limits, redis::Pool* redis, GatewayMetrics& metrics)
    : limits_(limits), redis_(redis), metrics_(metrics) {
  if (redis_ != nullptr) {
    sync_task_ = std::make_unique<PeriodicTask>("rate-limit-sync", limits_.sync_interval,
                                                [this] { Sync(); });
  }
}

RateLimiter::~RateLimiter() {
  if (sync_task_) sync_task_->Stop();
}

const char* RateLimiter::ClassOf(const Route& route, const RateClass** limits) const {
  if (route.access == api::v1::ACCESS_PUBLIC) {
    *limits = &limits_.public_routes;
    return "public";
  }
  if (route.http_method == "GET") {
    *limits = &limits_.reads;
    return "read";
  }
  *limits = &limits_.writes;
  return "write";
}

absl::Status RateLimiter::Admit(const Route& route, absl::string_view subject,
                                absl::string_view client_address) {
  const RateClass* limits = nullptr;
  const char* route_class = ClassOf(route, &limits);
  if (limits->per_second <= 0) return absl::OkStatus();
  const std::string key =
      subject.empty() ? absl::StrCat(route_class, ":addr:", AddressGroup(client_address))
                      : absl::StrCat(route_class, ":user:", subject);
  const absl::Time now = absl::Now();
  absl::Duration wait = absl::ZeroDuration();
  {
    absl::MutexLock lock(&mu_);
    if (buckets_.size() >= kMaxBuckets && !buckets_.contains(key)) {
      // Forget idle buckets (they are full again anyway); never grow without bound.
      absl::erase_if(buckets_, [&](const auto& entry) {
        const RateClass& own = *entry.second.limits;
        return now - entry.second.last_used > absl::Seconds(own.burst / own.per_second);
      });
    }
    Bucket& bucket = buckets_[key];
    if (bucket.refilled == absl::InfinitePast()) {
      bucket.limits = limits;
      bucket.tokens = limits->burst;
      bucket.refilled = now;
    }
    bucket.tokens =
        std::min(limits->burst,
                 bucket.tokens + absl::ToDoubleSeconds(now - bucket.refilled) * limits->per_second);
    bucket.refilled = now;
    bucket.last_used = now;
    if (now < bucket.blocked_until) {
      wait = bucket.blocked_until - now;
    } else if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      ++bucket.unsynced;
      return absl::OkStatus();
    } else {
      wait = absl::Seconds((1 - bucket.tokens) / limits->per_second);
    }
  }
  metrics_.RateLimited(route_class);
  return WithRetryAfter(ResourceExhausted("RATE_LIMITED", "too many requests; slow down"), wait);
}

void RateLimiter::Sync() {
  struct Pending {
    std::string key;
    int64_t spent;
    const RateClass* limits;
  };
  std::vector<Pending> pending;
  {
    absl::MutexLock lock(&mu_);
    for (auto& [key, bucket] : buckets_) {
      if (bucket.unsynced == 0) continue;
      pending.push_back({key, bucket.unsynced, bucket.limits});
      bucket.unsynced = 0;
    }
  }
  if (pending.empty()) return;
  const absl::Time now = absl::Now();
  const int64_t window_seconds = std::max<int64_t>(1, absl::ToInt64Seconds(limits_.window));
  const int64_t window = absl::ToUnixSeconds(now) / window_seconds;
  const absl::Time window_end = absl::FromUnixSeconds((window + 1) * window_seconds);
  std::vector<std::vector<std::string>> commands;
  for (const Pending& entry : pending) {
    const std::string counter = absl::StrCat("parta:ratelimit:", entry.key, ":", window);
    commands.push_back({"INCRBY", counter, std::to_string(entry.spent)});
    commands.push_back({"EXPIRE", counter, std::to_string(2 * window_seconds)});
  }
  absl::StatusOr<std::vector<redis::Value>> replies = redis_->Pipeline(commands);
  if (!replies.ok()) return;  // Redis is down: the local buckets go on alone
  absl::MutexLock lock(&mu_);
  for (size_t i = 0; i < pending.size(); ++i) {
    const int64_t total = (*replies)[2 * i].integer;
    const RateClass& limits = *pending[i].limits;
    const double budget = limits.burst + limits.per_second * static_cast<double>(window_seconds);
    if (static_cast<double>(total) >= budget) {
      auto it = buckets_.find(pending[i].key);
      if (it != buckets_.end()) it->second.blocked_until = window_end;
    }
  }
}

}  // namespace parta::gateway
