#include <catch2/catch.hpp>

#include "services/identity/domain/login_protection.h"

namespace parta::identity {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

TEST_CASE("The login delay starts after the free attempts and doubles up to its cap",
          "[identity][unit]") {
  LoginProtectionPolicy policy{.free_attempts = 3, .base_delay = absl::Seconds(1),
                               .max_delay = absl::Seconds(10), .window = absl::Hours(1)};
  std::optional<LoginFailures> record;
  std::vector<absl::Duration> delays;
  for (int i = 0; i < 8; ++i) {
    record = NextLoginFailure(record, kNow, policy);
    delays.push_back(record->blocked_until - kNow);
  }
  CHECK(delays == std::vector<absl::Duration>{absl::ZeroDuration(), absl::ZeroDuration(),
                                              absl::ZeroDuration(), absl::Seconds(1),
                                              absl::Seconds(2), absl::Seconds(4),
                                              absl::Seconds(8), absl::Seconds(10)});
  // Failures older than the window are forgotten.
  LoginFailures fresh = NextLoginFailure(record, kNow + absl::Hours(2), policy);
  CHECK(fresh.failures == 1);
  CHECK(fresh.blocked_until == kNow + absl::Hours(2));
}

TEST_CASE("An address is throttled only by its failed attempts", "[identity][unit]") {
  AddressThrottle throttle({.address_burst = 3, .address_refill_per_second = 1});
  CHECK(throttle.WaitFor("10.0.0.1", kNow) == absl::ZeroDuration());
  for (int i = 0; i < 3; ++i) throttle.RecordFailure("10.0.0.1", kNow);
  CHECK(throttle.WaitFor("10.0.0.1", kNow) == absl::Seconds(1));
  CHECK(throttle.WaitFor("10.0.0.2", kNow) == absl::ZeroDuration());
  CHECK(throttle.WaitFor("10.0.0.1", kNow + absl::Seconds(1)) == absl::ZeroDuration());
}

TEST_CASE("An IPv6 /64 is one address to the throttle", "[identity][unit]") {
  AddressThrottle throttle({.address_burst = 3, .address_refill_per_second = 1});
  // A sprayer rotating through the addresses of his /64 spends one bucket.
  throttle.RecordFailure("2001:db8:5:7::1", kNow);
  throttle.RecordFailure("2001:db8:5:7::2", kNow);
  throttle.RecordFailure("2001:db8:5:7:abcd::9", kNow);
  CHECK(throttle.WaitFor("2001:db8:5:7::4", kNow) == absl::Seconds(1));
  CHECK(throttle.WaitFor("2001:db8:5:8::1", kNow) == absl::ZeroDuration());
}

}  // namespace
}  // namespace parta::identity
