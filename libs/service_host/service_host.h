#pragma once

// The parts every Parta service with a database assembles at start-up, built one way in one
// place: the Postgres pool (pinged), Redis, the metrics registry and its endpoint, ids, token
// checks (signing keys, revocations, a verifier), the bounded executor and the RPC runtime, the
// transactional outbox's relay and purge, background tasks, and the gRPC server. A service builds
// its own parts between Start() and Serve(); Shutdown() stops everything in the order it must
// stop: the server (calls in flight finish), the executor, the service's own stops, background
// tasks; the parts themselves are destroyed after the service's.
//
//   ASSIGN_OR_RETURN(auto host, ServiceHost::Start(config, clock, {.name = "directory", ...}));
//   host->CheckTokens(...);                // before anything that serves RPCs
//   host->RelayOutbox(publish);            // when the service writes an outbox
//   ... the service's own parts, using host->pool(), host->runtime() ...
//   RETURN_IF_ERROR(host->Serve({&service}));

#include <prometheus/registry.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/auth/token_verifier.h"
#include "libs/core/clock.h"
#include "libs/core/executor.h"
#include "libs/core/periodic.h"
#include "libs/core/random.h"
#include "libs/grpc/call.h"
#include "libs/grpc/server.h"
#include "libs/grpc/service_settings.h"
#include "libs/metrics/metrics.h"
#include "libs/pg/outbox.h"
#include "libs/pg/pool.h"
#include "libs/redis/client.h"

namespace parta {

class ServiceHost {
 public:
  struct Options {
    // "directory": the error domain is "<name>.parta", worker threads are "<name>-rpc".
    std::string name;
    // Fully qualified names of the gRPC services the server will serve.
    std::vector<std::string> services;
    // Redis connections beside one per worker (the service's own background work).
    int extra_redis_connections = 2;
    absl::Duration redis_timeout = absl::Seconds(2);
  };

  // Connects to Postgres (and pings it) and Redis, and opens the metrics registry. `clock` must
  // outlive the host.
  static absl::StatusOr<std::unique_ptr<ServiceHost>> Start(const grpc::ServiceSettings& settings,
                                                            const Clock& clock, Options options);
  ~ServiceHost();  // Shutdown(0) if not done.

  pg::Pool& pool() { return *pool_; }
  redis::Pool& redis() { return *redis_; }
  const redis::Endpoint& redis_endpoint() const { return redis_endpoint_; }
  prometheus::Registry& registry() { return *registry_; }
  IdGenerator& ids() { return ids_; }
  // A channel to identity (PARTA_IDENTITY_ADDR), made on first use.
  std::shared_ptr<::grpc::Channel> identity_channel();

  // The token checks the settings ask for (issuer, audience, revocation cache).
  auth::TokenVerifier::Options TokenOptions() const;
  // Token checks: `keys` verifies signatures (identity's GetSigningKeys when null, owned by the
  // host), `revocations` answers for sessions (the Redis set of revoked sessions when null).
  // Then the executor and the RPC runtime. Call once, before runtime().
  void CheckTokens(auth::KeySource* keys, auth::RevocationList* revocations,
                   auth::TokenVerifier::Options options);
  grpc::RpcRuntime& runtime() { return *runtime_; }
  BoundedExecutor& workers() { return *workers_; }

  // The outbox: relayed with `publish` every outbox poll and at once after Committed(); events
  // published and older than the retention are purged (only those of streams starting with
  // `purge_prefix`, all when empty) every purge interval.
  void RelayOutbox(pg::OutboxRelay::Publish publish, std::string purge_prefix = "");
  pg::OutboxRelay& relay() { return *relay_; }
  // After a commit that wrote events: publish them now rather than at the next poll.
  void Committed();

  // Runs `run` on a thread of its own at once and then every `interval`, until shutdown.
  PeriodicTask& Every(std::string name, absl::Duration interval, std::function<void()> run);
  // Runs at shutdown after the server and the executor stopped, before background tasks, in the
  // reverse order of registration (the service's own Stop()s).
  void OnShutdown(std::function<void()> stop);

  // Serves `services` (they must outlive the host) and the metrics endpoint.
  absl::Status Serve(std::vector<::grpc::Service*> services);
  int grpc_port() const { return server_ ? server_->port() : 0; }
  int metrics_port() const { return metrics_ ? metrics_->port() : 0; }

  // Stops accepting, lets calls in flight finish within `grace`, then stops the rest. Idempotent.
  void Shutdown(absl::Duration grace);

 private:
  ServiceHost(const grpc::ServiceSettings& settings, const Clock& clock, Options options);

  const grpc::ServiceSettings settings_;
  const Clock& clock_;
  const Options options_;
  UuidV7Generator ids_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<pg::Pool> pool_;
  redis::Endpoint redis_endpoint_;
  std::unique_ptr<redis::Pool> redis_;
  std::shared_ptr<::grpc::Channel> identity_channel_;
  std::unique_ptr<auth::KeySource> own_keys_;
  std::unique_ptr<auth::RevocationList> own_revocations_;
  std::unique_ptr<auth::TokenVerifier> verifier_;
  std::unique_ptr<BoundedExecutor> workers_;
  std::unique_ptr<grpc::RpcRuntime> runtime_;
  std::unique_ptr<pg::OutboxRelay> relay_;
  std::unique_ptr<metrics::MetricsServer> metrics_;
  std::unique_ptr<grpc::Server> server_;
  std::vector<std::function<void()>> stops_;
  // Background work last: destroyed (stopped) first, before anything it uses.
  std::vector<std::unique_ptr<PeriodicTask>> tasks_;
  PeriodicTask* relay_task_ = nullptr;
  bool stopped_ = false;
};

}  // namespace parta
