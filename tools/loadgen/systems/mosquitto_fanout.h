#pragma once

// The Mosquitto reference: a mosquitto broker of its own (Debian's package, single-threaded, no
// persistence), one MQTT connection per receiver subscribed at QoS 1 to its group's topic, posts
// PUBLISHed at QoS 1 over a pool of connections and acknowledged with PUBACK both ways. Nobody
// is authenticated.

#include <memory>
#include <string>
#include <vector>

#include "tools/loadgen/systems/broker_fanout.h"

namespace parta::loadgen {

class MosquittoFanout final : public BrokerFanout {
 public:
  static absl::StatusOr<std::unique_ptr<MosquittoFanout>> Start(int groups, int members,
                                                                const std::string& work_dir);

  std::string Name() const override { return "Mosquitto, QoS 1, topic per group"; }

 private:
  using BrokerFanout::BrokerFanout;
  Opening Receiver(int receiver, int group, Deliveries& deliveries, Readiness& readiness) override;
  Opening Publisher(int publisher) override;
  std::string Post(int publisher, int group, const std::string& payload) override;

  std::vector<uint16_t> packet_ids_ = std::vector<uint16_t>(kPublishers, 0);  // per publisher
};

}  // namespace parta::loadgen
