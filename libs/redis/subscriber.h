#pragma once

// A Redis pub/sub subscriber on a thread of its own. It reconnects with backoff when the
// connection breaks, resubscribes to every channel, and then calls `on_resubscribed`: messages
// published while it was away are lost (pub/sub keeps nothing), so the owner must resync from the
// durable source (the rule "the socket says when it is live").

#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "libs/redis/client.h"

namespace parta::redis {

class Subscriber {
 public:
  struct Callbacks {
    std::function<void(const std::string& channel, const std::string& message)> on_message;
    // Called after every successful (re)subscription; `reconnect` is false the first time.
    std::function<void(bool reconnect)> on_subscribed;
  };

  Subscriber(Endpoint endpoint, std::vector<std::string> channels, Callbacks callbacks);
  ~Subscriber();  // Stop()s.

  // Ends the subscription and joins the thread. Idempotent.
  void Stop();

  // Reconnections so far (for tests and metrics).
  int reconnects() const;

 private:
  void Run();
  // One connection's life: subscribe, then read until it breaks or Stop().
  void Session(bool reconnect);

  const Endpoint endpoint_;
  const std::vector<std::string> channels_;
  const Callbacks callbacks_;
  absl::Notification stop_;
  mutable absl::Mutex mu_;
  int reconnects_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;
};

}  // namespace parta::redis
