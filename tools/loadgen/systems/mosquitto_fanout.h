#pragma once

// The Mosquitto reference: a mosquitto broker of its own (Debian's package, single-threaded, no
// persistence), one MQTT connection per receiver subscribed at QoS 1 to its group's topic, posts
// PUBLISHed at QoS 1 over a pool of connections (a group always on the same one) and
// acknowledged with PUBACK both ways. Nobody is authenticated.

#include <memory>
#include <optional>
#include <vector>

#include "tools/loadgen/net/client_loop.h"
#include "tools/loadgen/systems/fanout_system.h"
#include "tools/loadgen/systems/server_process.h"

namespace parta::loadgen {

class MosquittoFanout final : public FanoutSystem {
 public:
  static absl::StatusOr<std::unique_ptr<MosquittoFanout>> Start(int groups, int members,
                                                                const std::string& work_dir);

  std::string Name() const override { return "Mosquitto, QoS 1, topic per group"; }
  absl::StatusOr<std::vector<int64_t>> Baselines() override;
  absl::Status Connect(Deliveries& deliveries) override;
  void Send(int group, int sender, int64_t scheduled_ns,
            std::function<void(int64_t sequence)> acked) override;
  std::optional<std::vector<int64_t>> History(int, int64_t) override { return std::nullopt; }
  void Disconnect() override;
  std::vector<pid_t> Processes() const override { return {server_->pid()}; }
  pid_t ConnectionHolder() const override { return server_->pid(); }

 private:
  MosquittoFanout(std::unique_ptr<ServerProcess> server, int groups, int members);

  std::unique_ptr<ServerProcess> server_;
  const int groups_, members_;
  std::vector<int64_t> sequences_;  // per group, the last one sent
  std::unique_ptr<ClientLoop> loop_;
  std::unique_ptr<Readiness> readiness_;  // outlives the loop's sessions
  std::vector<int> publishers_;
  std::vector<uint16_t> packet_ids_;  // per publisher
};

}  // namespace parta::loadgen
