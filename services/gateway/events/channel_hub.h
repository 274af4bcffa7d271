#pragma once

// The gateway's Redis subscriptions, reference-counted across the sockets of this instance: a
// channel is subscribed while at least one socket follows it, and each message is decoded and
// written as a JSON frame once, then queued on every follower. Control messages go to the
// owner instead; after a Redis reconnection the owner is told so it can send `resync`.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "libs/redis/pubsub.h"
#include "parta/events/v1/events.pb.h"

namespace parta::gateway {

class ChannelHub {
 public:
  // A socket, as the hub sees it.
  class Follower {
   public:
    virtual ~Follower() = default;
    // Queues a ready-made frame; must not block.
    virtual void Deliver(const std::string& frame) = 0;
  };

  struct Callbacks {
    std::function<void(const std::string& channel, const events::v1::Control& control)>
        on_control;
    std::function<void()> on_resubscribed;
  };

  ChannelHub(redis::Endpoint endpoint, Callbacks callbacks);
  ~ChannelHub();

  // Adds `follower` to `channels`; `confirmed` runs once Redis has confirmed all of them.
  void Follow(const std::shared_ptr<Follower>& follower, const std::vector<std::string>& channels,
              std::function<void()> confirmed);
  void Unfollow(const Follower* follower, const std::vector<std::string>& channels);

  bool connected() const { return pubsub_.connected(); }

  // Ends the Redis connection (before the owner's sockets go away).
  void Stop() { pubsub_.Stop(); }

 private:
  void OnMessage(const std::string& channel, const std::string& payload);

  const Callbacks callbacks_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::vector<std::shared_ptr<Follower>>> followers_
      ABSL_GUARDED_BY(mu_);
  redis::PubSub pubsub_;  // last: its thread calls into the members above
};

}  // namespace parta::gateway
