#include <catch2/catch.hpp>

#include "libs/core/random.h"
#include "libs/redis/client.h"
#include "libs/testing/fixtures.h"
#include "libs/testing/servers.h"
#include "libs/testing/status_matchers.h"

namespace parta::redis {
namespace {

TEST_CASE("Endpoints parse from unix and tcp URIs", "[redis][unit]") {
  CHECK(Endpoint::Parse("unix:///run/redis.sock")->unix_path == "/run/redis.sock");
  absl::StatusOr<Endpoint> tcp = Endpoint::Parse("tcp://127.0.0.1:6379");
  REQUIRE_OK(tcp);
  CHECK(tcp->host == "127.0.0.1");
  CHECK(tcp->port == 6379);
  CHECK_STATUS(Endpoint::Parse("redis.example:6379"), kInvalidArgument, "INVALID_REDIS_URI");
  CHECK_STATUS(Endpoint::Parse("tcp://nohost"), kInvalidArgument, "INVALID_REDIS_URI");
}

TEST_CASE("Commands and pipelines round-trip binary values", "[redis][integration]") {
  auto uri = testing::TestRedisUri();
  if (!uri) return;
  Pool pool({.endpoint = *Endpoint::Parse(*uri)});
  std::string key = "test:" + NewUuidV7(absl::Now());
  std::string binary("a\0b\xff", 4);
  REQUIRE_OK(pool.Command({"SET", key, binary, "EX", "60"}));
  absl::StatusOr<Value> value = pool.Command({"GET", key});
  REQUIRE_OK(value);
  CHECK(value->text == binary);
  absl::StatusOr<std::vector<Value>> values =
      pool.Pipeline({{"INCR", key + ":n"}, {"INCR", key + ":n"}, {"GET", key + ":missing"}});
  REQUIRE_OK(values);
  CHECK((*values)[1].integer == 2);
  CHECK((*values)[2].is_nil());
  CHECK_STATUS(pool.Command({"NOSUCHCOMMAND"}), kInternal, "REDIS_ERROR");
  CHECK(pool.Command({"PING"}).ok());  // an error reply leaves the connection usable
}

TEST_CASE("A pool reports UNAVAILABLE while Redis is down and recovers after", "[redis][integration]") {
  testing::PrivateRedis server;
  Pool pool({.endpoint = *Endpoint::Parse(server.uri()), .timeout = absl::Milliseconds(300)});
  REQUIRE_OK(pool.Command({"PING"}));
  server.Kill();
  CHECK_STATUS(pool.Command({"PING"}), kUnavailable, "REDIS_UNAVAILABLE");
  server.Start();
  CHECK(pool.Command({"PING"}).ok());
}

}  // namespace
}  // namespace parta::redis
