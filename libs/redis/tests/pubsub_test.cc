#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "libs/redis/pubsub.h"
#include "libs/testing/servers.h"
#include "libs/testing/status_matchers.h"

namespace parta::redis {
namespace {

template <typename F>
bool Eventually(F condition) {
  for (int i = 0; i < 1000; ++i) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

struct Inbox {
  absl::Mutex mu;
  std::vector<std::string> received;
  void Add(const std::string& channel, const std::string& message) {
    absl::MutexLock lock(&mu);
    received.push_back(channel + "=" + message);
  }
  std::vector<std::string> Get() {
    absl::MutexLock lock(&mu);
    return received;
  }
};

TEST_CASE("PubSub confirms subscriptions before their callback and follows the set",
          "[redis][integration]") {
  testing::PrivateRedis server;
  Endpoint endpoint = *Endpoint::Parse(server.uri());
  Inbox inbox;
  PubSub pubsub(endpoint, {.on_message = [&](const std::string& channel,
                                             const std::string& message) {
                             inbox.Add(channel, message);
                           }});
  Pool pool({.endpoint = endpoint});
  absl::Notification confirmed;
  pubsub.Subscribe({"room:1", "room:2"}, [&] { confirmed.Notify(); });
  REQUIRE(confirmed.WaitForNotificationWithTimeout(absl::Seconds(10)));
  // Confirmed means subscribed: Redis counts the subscriber already.
  absl::StatusOr<Value> receivers = pool.Command({"PUBLISH", "room:1", "a"});
  REQUIRE_OK(receivers.status());
  CHECK(receivers->integer == 1);
  REQUIRE(Eventually([&] { return inbox.Get().size() == 1; }));

  // Channels already confirmed are confirmed at once, on the caller's thread.
  bool at_once = false;
  pubsub.Subscribe({"room:1"}, [&] { at_once = true; });
  CHECK(at_once);

  pubsub.Unsubscribe({"room:1"});
  REQUIRE(Eventually([&] {
    absl::StatusOr<Value> numsub = pool.Command({"PUBSUB", "NUMSUB", "room:1"});
    return numsub.ok() && numsub->elements.size() == 2 && numsub->elements[1].integer == 0;
  }));
  REQUIRE_OK(pool.Command({"PUBLISH", "room:1", "gone"}).status());
  REQUIRE_OK(pool.Command({"PUBLISH", "room:2", "b"}).status());
  REQUIRE(Eventually([&] { return inbox.Get().size() == 2; }));
  CHECK(inbox.Get() == std::vector<std::string>{"room:1=a", "room:2=b"});
}

TEST_CASE("PubSub resubscribes after Redis restarts and waits for Redis to confirm",
          "[redis][integration]") {
  testing::PrivateRedis server;
  Endpoint endpoint = *Endpoint::Parse(server.uri());
  Inbox inbox;
  std::atomic<int> resubscribed{0};
  PubSub pubsub(endpoint, {.on_message =
                               [&](const std::string& channel, const std::string& message) {
                                 inbox.Add(channel, message);
                               },
                           .on_resubscribed = [&] { resubscribed.fetch_add(1); }});
  absl::Notification first;
  pubsub.Subscribe({"room:1"}, [&] { first.Notify(); });
  REQUIRE(first.WaitForNotificationWithTimeout(absl::Seconds(10)));

  server.Kill();
  // Asked while Redis is down: confirmed only once it is back and subscribed.
  absl::Notification later;
  pubsub.Subscribe({"room:2"}, [&] { later.Notify(); });
  CHECK_FALSE(later.WaitForNotificationWithTimeout(absl::Milliseconds(300)));
  server.Start();
  REQUIRE(later.WaitForNotificationWithTimeout(absl::Seconds(10)));
  REQUIRE(Eventually([&] { return resubscribed.load() == 1; }));
  CHECK(pubsub.reconnects() >= 1);
  Pool pool({.endpoint = endpoint});
  REQUIRE_OK(pool.Command({"PUBLISH", "room:1", "x"}).status());
  REQUIRE_OK(pool.Command({"PUBLISH", "room:2", "y"}).status());
  REQUIRE(Eventually([&] { return inbox.Get().size() == 2; }));
}

}  // namespace
}  // namespace parta::redis
