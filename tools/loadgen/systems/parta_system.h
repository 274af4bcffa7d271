#pragma once

// Parta as the fan-out system: the real messaging and gateway binaries, messaging on a schema of
// its own, identity's signing keys served by the load generator (bench_keys.h). Receivers are
// WebSockets on the gateway's /v1/events, authenticated in the subprotocol; posts are
// `POST /v1/chats/{chat}/messages` through the gateway, acknowledged once committed; gaps are
// filled from `GET /v1/chats/{chat}/changes`.

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "libs/redis/client.h"
#include "tools/bench/bench_keys.h"
#include "tools/bench/core/child.h"
#include "tools/bench/core/http_load.h"
#include "tools/bench/roster_seed.h"
#include "tools/loadgen/environment.h"
#include "tools/loadgen/net/client_loop.h"
#include "tools/loadgen/systems/fanout_system.h"

namespace parta::loadgen {

// The running services and what they share.
class PartaCluster {
 public:
  static absl::StatusOr<std::unique_ptr<PartaCluster>> Start(const Environment& environment);

  // Seeds a school; messaging makes its chats from the events.
  absl::StatusOr<bench::SeededSchool> Seed(const bench::SchoolPlan& plan);
  // The chat of `kind` (a parta.messaging.v1.ChatKind) that `user` is in, waiting (bounded) for
  // messaging to have applied the roster that far.
  absl::StatusOr<std::string> ChatOf(const std::string& user, int kind);
  // The chat's last sequence, asked as `user`.
  absl::StatusOr<int64_t> LastSequence(const std::string& chat, const std::string& user);

  const bench::Signer& signer() const { return signer_; }
  int gateway_port() const { return gateway_->port(); }
  pid_t gateway_pid() const { return gateway_->pid(); }
  pid_t messaging_pid() const { return messaging_->pid(); }

 private:
  PartaCluster() = default;
  bench::Signer signer_;
  std::unique_ptr<bench::KeyServer> keys_;
  std::unique_ptr<redis::Pool> redis_;
  std::string events_key_;
  std::unique_ptr<bench::Child> messaging_;
  std::unique_ptr<bench::Child> gateway_;
};

// Who listens and who posts: group g is chat `chats[g]`, followed by `members[g]`.
struct PartaAudience {
  std::vector<std::string> chats;
  std::vector<std::vector<std::string>> members;
  std::vector<std::string> posters;  // senders outside the audience (sender -1 - i)
};

class PartaFanout final : public FanoutSystem {
 public:
  PartaFanout(PartaCluster& cluster, PartaAudience audience);
  ~PartaFanout() override;

  std::string Name() const override { return "parta (gateway WebSocket, HTTP posts)"; }
  absl::StatusOr<std::vector<int64_t>> Baselines() override;
  absl::Status Connect(Deliveries& deliveries) override;
  void Send(int group, int sender, int64_t scheduled_ns,
            std::function<void(int64_t sequence)> acked) override;
  std::optional<std::vector<int64_t>> History(int receiver, int64_t after) override;
  void Disconnect() override;
  std::string TakeFailures() override;
  std::vector<pid_t> Processes() const override;
  std::vector<std::string> SharedCommands() const override { return {"postgres", "redis-server"}; }
  pid_t ConnectionHolder() const override { return cluster_.gateway_pid(); }

 private:
  PartaCluster& cluster_;
  const PartaAudience audience_;
  int members_per_group_ = 0;
  std::vector<std::string> tokens_;         // per receiver, "Bearer …"
  std::vector<std::string> poster_tokens_;  // per poster
  std::unique_ptr<ClientLoop> loop_;
  std::unique_ptr<Readiness> readiness_;  // outlives the loop's sessions
  std::unique_ptr<bench::HttpLoad> http_;
  std::atomic<int64_t> requests_{0};
  absl::Mutex failures_mu_;
  std::map<std::string, int64_t> failures_ ABSL_GUARDED_BY(failures_mu_);  // by status and reason
  const std::string run_id_;
};

}  // namespace parta::loadgen
