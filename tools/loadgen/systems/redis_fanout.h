#pragma once

// The raw Redis reference: a redis-server of its own, one subscriber connection per receiver
// (SUBSCRIBE to its group's channel), posts PUBLISHed over a pool of connections. Nothing is
// persisted and nobody is authenticated: the floor of a Redis fan-out.

#include <memory>

#include "tools/loadgen/systems/broker_fanout.h"

namespace parta::loadgen {

class RedisFanout final : public BrokerFanout {
 public:
  static absl::StatusOr<std::unique_ptr<RedisFanout>> Start(int groups, int members);

  std::string Name() const override { return "raw Redis PUBLISH/SUBSCRIBE"; }

 private:
  using BrokerFanout::BrokerFanout;
  Opening Receiver(int receiver, int group, Deliveries& deliveries, Readiness& readiness) override;
  Opening Publisher(int publisher) override;
  std::string Post(int publisher, int group, const std::string& payload) override;
};

}  // namespace parta::loadgen
