#pragma once

// What the references share: a broker process of their own, one connection per receiver and a
// pool of publishing connections on one client loop, posts numbered per group by the load
// generator and published on the group's own connection of the pool (so a group's order holds),
// and no history to fill gaps from.

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tools/loadgen/net/client_loop.h"
#include "tools/loadgen/systems/fanout_system.h"
#include "tools/loadgen/systems/server_process.h"

namespace parta::loadgen {

class BrokerFanout : public FanoutSystem {
 public:
  absl::StatusOr<std::vector<int64_t>> Baselines() override;
  absl::Status Connect(Deliveries& deliveries) override;
  void Send(int group, int sender, int64_t scheduled_ns,
            std::function<void(int64_t sequence)> acked) override;
  std::optional<std::vector<int64_t>> History(int, int64_t) override { return std::nullopt; }
  void Disconnect() override;
  std::vector<pid_t> Processes() const override { return {server_->pid()}; }
  pid_t ConnectionHolder() const override { return server_->pid(); }

 protected:
  static constexpr int kPublishers = 16;
  using Opening = std::pair<std::unique_ptr<Session>, std::string>;  // a session, its greeting

  BrokerFanout(std::unique_ptr<ServerProcess> server, int groups, int members);
  int port() const { return server_->port(); }

  // Receiver `receiver`'s connection, following `group`, ready once it is subscribed.
  virtual Opening Receiver(int receiver, int group, Deliveries& deliveries,
                           Readiness& readiness) = 0;
  // A publishing connection.
  virtual Opening Publisher(int publisher) = 0;
  // The bytes that publish `payload` to `group` on publisher `publisher`.
  virtual std::string Post(int publisher, int group, const std::string& payload) = 0;

 private:
  std::unique_ptr<ServerProcess> server_;
  const int groups_, members_;
  std::vector<int64_t> sequences_;  // per group, the last one sent
  std::unique_ptr<ClientLoop> loop_;
  std::unique_ptr<Readiness> readiness_;  // outlives the loop's sessions
  std::vector<int> publishers_;
};

}  // namespace parta::loadgen
