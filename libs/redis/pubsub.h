#pragma once

// A Redis pub/sub connection whose channel set changes at run time: Subscribe and Unsubscribe
// from any thread, each subscription confirmed by Redis before its callback runs. One thread
// owns the connection (poll on the socket and a wake-up eventfd). When the connection breaks it
// reconnects with backoff, subscribes to every channel again and then calls `on_resubscribed`:
// messages published in between are lost, so owners must tell their clients to resync.

#include <atomic>
#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "libs/redis/client.h"

namespace parta::redis {

class PubSub {
 public:
  struct Callbacks {
    // On the PubSub thread; must not block.
    std::function<void(const std::string& channel, const std::string& message)> on_message;
    // After a reconnection, once every channel is subscribed again.
    std::function<void()> on_resubscribed;
  };

  PubSub(Endpoint endpoint, Callbacks callbacks);
  ~PubSub();  // Stop()s.

  // Adds channels; `confirmed` runs once Redis has confirmed every one of them (on the PubSub
  // thread, or at once on the caller's when all were confirmed already). While Redis is down it
  // waits for the reconnection.
  void Subscribe(const std::vector<std::string>& channels, std::function<void()> confirmed);
  void Unsubscribe(const std::vector<std::string>& channels);

  bool connected() const { return connected_.load(); }
  int reconnects() const { return reconnects_.load(); }

  // Ends the connection and joins the thread. Idempotent.
  void Stop();

 private:
  struct Waiter {
    size_t missing;
    std::function<void()> confirmed;
  };
  void Run();
  // One connection's life: subscribe to everything wanted, then serve until it breaks.
  void Session(Connection& connection, bool reconnect);
  void Wake();
  void OnConfirmed(const std::string& channel);
  // `channel` is settled (confirmed or given up): its waiters are one channel closer, and the
  // resubscription after a reconnect may be complete. Collects what to call after unlocking.
  void Settle(const std::string& channel, std::vector<std::function<void()>>& to_fire,
              bool& resynced) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Endpoint endpoint_;
  const Callbacks callbacks_;
  int wake_fd_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<bool> connected_{false};
  std::atomic<int> reconnects_{0};

  absl::Mutex mu_;
  absl::flat_hash_set<std::string> wanted_ ABSL_GUARDED_BY(mu_);     // what should be subscribed
  absl::flat_hash_set<std::string> confirmed_ ABSL_GUARDED_BY(mu_);  // what Redis confirmed
  std::deque<std::vector<std::string>> outbox_ ABSL_GUARDED_BY(mu_);  // commands to send
  // Channel → waiters needing it.
  absl::flat_hash_map<std::string, std::vector<std::shared_ptr<Waiter>>> waiters_
      ABSL_GUARDED_BY(mu_);
  // After a reconnect: channels still to be confirmed before on_resubscribed.
  absl::flat_hash_set<std::string> resubscribing_ ABSL_GUARDED_BY(mu_);
  bool resync_pending_ ABSL_GUARDED_BY(mu_) = false;

  std::thread thread_;
};

}  // namespace parta::redis
