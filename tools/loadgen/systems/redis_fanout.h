#pragma once

// The raw Redis reference: a redis-server of its own, one subscriber connection per receiver
// (SUBSCRIBE to its group's channel), posts PUBLISHed over a pool of connections (a group always
// on the same one, so its order holds). Nothing is persisted and nobody is authenticated: the
// floor of a Redis fan-out.

#include <memory>
#include <optional>
#include <vector>

#include "tools/loadgen/net/client_loop.h"
#include "tools/loadgen/systems/fanout_system.h"
#include "tools/loadgen/systems/server_process.h"

namespace parta::loadgen {

class RedisFanout final : public FanoutSystem {
 public:
  static absl::StatusOr<std::unique_ptr<RedisFanout>> Start(int groups, int members);

  std::string Name() const override { return "raw Redis PUBLISH/SUBSCRIBE"; }
  absl::StatusOr<std::vector<int64_t>> Baselines() override;
  absl::Status Connect(Deliveries& deliveries) override;
  void Send(int group, int sender, int64_t scheduled_ns,
            std::function<void(int64_t sequence)> acked) override;
  std::optional<std::vector<int64_t>> History(int, int64_t) override { return std::nullopt; }
  void Disconnect() override;
  std::vector<pid_t> Processes() const override { return {server_->pid()}; }
  pid_t ConnectionHolder() const override { return server_->pid(); }

 private:
  RedisFanout(std::unique_ptr<ServerProcess> server, int groups, int members);

  std::unique_ptr<ServerProcess> server_;
  const int groups_, members_;
  std::vector<int64_t> sequences_;  // per group, the last one sent
  std::unique_ptr<ClientLoop> loop_;
  std::unique_ptr<Readiness> readiness_;  // outlives the loop's sessions
  std::vector<int> publishers_;
};

}  // namespace parta::loadgen
