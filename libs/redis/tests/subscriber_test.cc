#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "libs/redis/subscriber.h"
#include "libs/testing/servers.h"
#include "libs/testing/status_matchers.h"

namespace parta::redis {
namespace {

// Polls `condition` for up to 10 s.
template <typename F>
bool Eventually(F condition) {
  for (int i = 0; i < 1000; ++i) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

TEST_CASE("A subscriber resubscribes after Redis restarts and says so", "[redis][integration]") {
  testing::PrivateRedis server;
  Endpoint endpoint = *Endpoint::Parse(server.uri());
  absl::Mutex mu;
  std::vector<std::string> received;
  std::atomic<int> subscriptions{0};
  std::atomic<bool> saw_reconnect{false};
  Subscriber subscriber(endpoint, {"chat:1", "chat:2"},
                        {.on_message =
                             [&](const std::string& channel, const std::string& message) {
                               absl::MutexLock lock(&mu);
                               received.push_back(channel + "=" + message);
                             },
                         .on_subscribed =
                             [&](bool reconnect) {
                               subscriptions.fetch_add(1);
                               if (reconnect) saw_reconnect = true;
                             }});
  REQUIRE(Eventually([&] { return subscriptions.load() == 1; }));
  Pool pool({.endpoint = endpoint});
  REQUIRE_OK(pool.Command({"PUBLISH", "chat:1", "hello"}));
  REQUIRE(Eventually([&] {
    absl::MutexLock lock(&mu);
    return received.size() == 1;
  }));

  server.Kill();
  server.Start();
  REQUIRE(Eventually([&] { return subscriptions.load() == 2; }));
  CHECK(saw_reconnect.load());
  CHECK(subscriber.reconnects() >= 1);
  Pool fresh({.endpoint = endpoint});
  REQUIRE_OK(fresh.Command({"PUBLISH", "chat:2", "again"}));
  REQUIRE(Eventually([&] {
    absl::MutexLock lock(&mu);
    return received.size() == 2;
  }));
  absl::MutexLock lock(&mu);
  CHECK(received == std::vector<std::string>{"chat:1=hello", "chat:2=again"});
  subscriber.Stop();
}

}  // namespace
}  // namespace parta::redis
