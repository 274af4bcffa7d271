#include <catch2/catch.hpp>

#include "libs/auth/revoked_sessions.h"
#include "libs/core/random.h"
#include "libs/testing/fixtures.h"
#include "libs/testing/servers.h"
#include "libs/testing/status_matchers.h"

namespace parta::auth {
namespace {

TEST_CASE("A revoked session is seen by every reader and expires with its tokens",
          "[auth][redis][integration]") {
  auto uri = testing::TestRedisUri();
  if (!uri) return;
  redis::Pool pool({.endpoint = *redis::Endpoint::Parse(*uri)});
  RedisRevocationList revocations(pool);
  std::string session = NewUuidV7(absl::Now());
  CHECK_FALSE(*revocations.IsRevoked(session));
  REQUIRE_OK(MarkSessionRevoked(pool, session, absl::Minutes(16)));
  CHECK(*revocations.IsRevoked(session));
  absl::StatusOr<redis::Value> ttl = pool.Command({"TTL", RevokedSessionKey(session)});
  REQUIRE_OK(ttl);
  CHECK(ttl->integer > 900);
  CHECK(ttl->integer <= 960);
}

TEST_CASE("When Redis is down the revocation list fails, so verification denies",
          "[auth][redis][integration]") {
  testing::PrivateRedis server;
  redis::Pool pool({.endpoint = *redis::Endpoint::Parse(server.uri()),
                    .timeout = absl::Milliseconds(200)});
  RedisRevocationList revocations(pool);
  server.Kill();
  CHECK_STATUS(revocations.IsRevoked("s"), kUnavailable, "REDIS_UNAVAILABLE");
}

}  // namespace
}  // namespace parta::auth
