#include <catch2/catch.hpp>

#include "libs/testing/status_matchers.h"
#include "services/gateway/limits/rate_limiter.h"

namespace parta::gateway {
namespace {

TEST_CASE("rate limits are read per class", "[rate_limits]") {
  absl::StatusOr<RateLimits> limits = ParseRateLimits("public=1/10, read=100/300", RateLimits());
  REQUIRE_OK(limits.status());
  CHECK(limits->public_routes.per_second == 1);
  CHECK(limits->public_routes.burst == 10);
  CHECK(limits->reads.per_second == 100);
  CHECK(limits->writes.per_second == RateLimits().writes.per_second);
  for (const char* bad : {"public=1", "public=x/2", "nobody=1/2", "read=-1/3", "write"}) {
    INFO(bad);
    CHECK_STATUS(ParseRateLimits(bad, RateLimits()).status(), kInvalidArgument,
                 "INVALID_RATE_LIMITS");
  }
}

}  // namespace
}  // namespace parta::gateway
