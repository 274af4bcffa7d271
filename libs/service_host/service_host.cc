#include "libs/service_host/service_host.h"

#include <algorithm>

#include "libs/auth/revoked_sessions.h"
#include "libs/core/log.h"
#include "libs/core/status.h"
#include "libs/grpc/client.h"
#include "libs/identity_client/key_source.h"

namespace parta {

ServiceHost::ServiceHost(const grpc::ServiceSettings& settings, const Clock& clock,
                         Options options)
    : settings_(settings),
      clock_(clock),
      options_(std::move(options)),
      ids_(clock),
      registry_(std::make_shared<prometheus::Registry>()) {}

absl::StatusOr<std::unique_ptr<ServiceHost>> ServiceHost::Start(
    const grpc::ServiceSettings& settings, const Clock& clock, Options options) {
  std::unique_ptr<ServiceHost> host(new ServiceHost(settings, clock, std::move(options)));
  host->pool_ = std::make_unique<pg::Pool>(
      pg::Pool::Options{.uri = settings.pg_uri, .size = static_cast<size_t>(settings.pg_pool_size)});
  RETURN_IF_ERROR(host->pool_->Ping());
  ASSIGN_OR_RETURN(host->redis_endpoint_, redis::Endpoint::Parse(settings.redis_uri));
  // Every worker may hold one connection (a permission lookup, a typing indicator).
  host->redis_ = std::make_unique<redis::Pool>(redis::Pool::Options{
      .endpoint = host->redis_endpoint_,
      .size = static_cast<size_t>(settings.worker_threads + host->options_.extra_redis_connections),
      .timeout = host->options_.redis_timeout});
  return host;
}

ServiceHost::~ServiceHost() { Shutdown(absl::ZeroDuration()); }

std::shared_ptr<::grpc::Channel> ServiceHost::identity_channel() {
  if (!identity_channel_) identity_channel_ = grpc::MakeChannel(settings_.identity_address);
  return identity_channel_;
}

auth::TokenVerifier::Options ServiceHost::TokenOptions() const {
  return {.verify = settings_.verify, .revocation_cache_ttl = settings_.revocation_cache_ttl};
}

void ServiceHost::CheckTokens(auth::KeySource* keys, auth::RevocationList* revocations,
                              auth::TokenVerifier::Options options) {
  if (keys == nullptr) {
    own_keys_ =
        std::make_unique<identity_client::IdentityKeySource>(identity_channel(), absl::Seconds(3));
    keys = own_keys_.get();
  }
  if (revocations == nullptr) {
    own_revocations_ = std::make_unique<auth::RedisRevocationList>(*redis_);
    revocations = own_revocations_.get();
  }
  verifier_ = std::make_unique<auth::TokenVerifier>(*keys, revocations, clock_, options);
  if (absl::Status loaded = verifier_->LoadKeys(); !loaded.ok()) {
    // Identity may start later: tokens are refused until the keys arrive.
    log::Warning("signing keys not loaded yet").With("error", loaded.ToString());
  }
  workers_ = std::make_unique<BoundedExecutor>(options_.name + "-rpc",
                                               static_cast<size_t>(settings_.worker_threads),
                                               static_cast<size_t>(settings_.worker_queue));
  runtime_ = std::make_unique<grpc::RpcRuntime>(
      *workers_, *verifier_,
      grpc::RpcRuntime::Options{.error_domain = options_.name + ".parta",
                                .services = options_.services,
                                .trusted_proxies = settings_.trusted_proxies});
}

void ServiceHost::RelayOutbox(pg::OutboxRelay::Publish publish, std::string purge_prefix) {
  relay_ = std::make_unique<pg::OutboxRelay>(*pool_, std::move(publish));
  tasks_.push_back(pg::RelayPeriodically(*relay_, settings_.outbox_poll_interval));
  relay_task_ = tasks_.back().get();
  pg::OutboxRelay* relay = relay_.get();
  const absl::Duration retention = settings_.outbox_retention;
  Every("purge", settings_.purge_interval, [relay, retention, prefix = std::move(purge_prefix)] {
    if (absl::StatusOr<int64_t> purged = relay->Purge(retention, prefix); !purged.ok()) {
      log::Warning("outbox purge failed").With("error", purged.status().ToString());
    }
  });
}

void ServiceHost::Committed() {
  if (relay_task_ != nullptr) relay_task_->Wake();
}

PeriodicTask& ServiceHost::Every(std::string name, absl::Duration interval,
                                 std::function<void()> run) {
  tasks_.push_back(std::make_unique<PeriodicTask>(std::move(name), interval, std::move(run)));
  return *tasks_.back();
}

void ServiceHost::OnShutdown(std::function<void()> stop) { stops_.push_back(std::move(stop)); }

absl::Status ServiceHost::Serve(std::vector<::grpc::Service*> services) {
  if (!settings_.metrics_listen.empty()) {
    ASSIGN_OR_RETURN(metrics_, metrics::MetricsServer::Start(settings_.metrics_listen, registry_));
  }
  ASSIGN_OR_RETURN(server_, grpc::Server::Start({.listen_address = settings_.grpc_listen,
                                                 .port_file = settings_.port_file},
                                                services, registry_));
  return absl::OkStatus();
}

void ServiceHost::Shutdown(absl::Duration grace) {
  if (stopped_) return;
  stopped_ = true;
  if (server_) server_->Shutdown(grace);
  if (workers_) workers_->Stop();
  for (auto stop = stops_.rbegin(); stop != stops_.rend(); ++stop) (*stop)();
  for (auto task = tasks_.rbegin(); task != tasks_.rend(); ++task) (*task)->Stop();
}

}  // namespace parta
