#include "libs/redis/pipelined.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "libs/core/status.h"
#include "libs/testing/fixtures.h"
#include "libs/testing/servers.h"

namespace parta::redis {
namespace {

// Sends a command and waits for its reply.
absl::StatusOr<Value> Ask(PipelinedConnection& connection, std::vector<std::string> command) {
  absl::Notification done;
  absl::StatusOr<Value> result;
  connection.Command(command, [&](absl::StatusOr<Value> reply) {
    result = std::move(reply);
    done.Notify();
  });
  done.WaitForNotificationWithTimeout(absl::Seconds(10));
  return result;
}

// Waits until the background connection is up.
void AwaitConnected(PipelinedConnection& connection) {
  for (int i = 0; i < 200; ++i) {
    if (Ask(connection, {"PING"}).ok()) return;
    absl::SleepFor(absl::Milliseconds(10));
  }
  FAIL("never connected");
}

TEST_CASE("A pipelined connection answers many threads, every reply to its own command",
          "[redis][integration]") {
  std::optional<std::string> uri = parta::testing::TestRedisUri();
  if (!uri) return;
  PipelinedConnection connection({.endpoint = *Endpoint::Parse(*uri)});
  AwaitConnected(connection);
  std::string prefix = "parta:test:pipelined:" + std::to_string(getpid());
  REQUIRE(Ask(connection, {"SET", prefix, "вперёд"}).ok());
  std::atomic<int> right{0}, wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      std::atomic<int> outstanding{0};
      for (int i = 0; i < 500; ++i) {
        std::string value = absl::StrCat(t, ":", i);
        outstanding.fetch_add(1);
        connection.Command({"ECHO", value}, [&, value](absl::StatusOr<Value> reply) {
          (reply.ok() && reply->text == value ? right : wrong).fetch_add(1);
          outstanding.fetch_sub(1);
        });
      }
      while (outstanding.load() > 0) absl::SleepFor(absl::Milliseconds(1));
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(right.load() == 8 * 500);
  CHECK(wrong.load() == 0);
  absl::StatusOr<Value> value = Ask(connection, {"GET", prefix});
  REQUIRE(value.ok());
  CHECK(value->text == "вперёд");
  absl::StatusOr<Value> refused = Ask(connection, {"NOSUCHCOMMAND"});
  CHECK(ReasonOf(refused.status()) == "REDIS_ERROR");
  CHECK(Ask(connection, {"DEL", prefix}).ok());  // still usable after an error reply
}

TEST_CASE("A pipelined connection fails fast while Redis is down and comes back by itself",
          "[redis][integration]") {
  if (!parta::testing::TestRedisUri()) return;
  parta::testing::PrivateRedis server;
  PipelinedConnection connection(
      {.endpoint = *Endpoint::Parse(server.uri()), .reconnect_delay = absl::Milliseconds(20)});
  AwaitConnected(connection);
  server.Kill();
  // The break is noticed; afterwards commands fail at once instead of waiting.
  bool failed = false;
  for (int i = 0; i < 100 && !failed; ++i) {
    failed = ReasonOf(Ask(connection, {"PING"}).status()) == "REDIS_UNAVAILABLE";
  }
  CHECK(failed);
  server.Start();
  AwaitConnected(connection);
  connection.Stop();
  CHECK(ReasonOf(Ask(connection, {"PING"}).status()) == "REDIS_UNAVAILABLE");
}

TEST_CASE("A pipelined connection gives up on a Redis that stops answering",
          "[redis][integration]") {
  if (!parta::testing::TestRedisUri()) return;
  parta::testing::PrivateRedis server;
  PipelinedConnection connection({.endpoint = *Endpoint::Parse(server.uri()),
                                  .reconnect_delay = absl::Milliseconds(20),
                                  .reply_timeout = absl::Milliseconds(300)});
  AwaitConnected(connection);
  Pool admin({.endpoint = *Endpoint::Parse(server.uri()), .size = 1});
  REQUIRE(admin.Command({"CLIENT", "PAUSE", "2000", "ALL"}).ok());
  absl::Time asked = absl::Now();
  absl::StatusOr<Value> reply = Ask(connection, {"PING"});
  CHECK(ReasonOf(reply.status()) == "REDIS_UNAVAILABLE");
  CHECK(absl::Now() - asked < absl::Milliseconds(1500));
  AwaitConnected(connection);  // after the pause
}

}  // namespace
}  // namespace parta::redis
