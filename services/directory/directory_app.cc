#include "services/directory/directory_app.h"

#include <prometheus/registry.h>

#include <thread>

#include "absl/strings/str_split.h"
#include "libs/auth/revoked_sessions.h"
#include "libs/core/executor.h"
#include "libs/core/log.h"
#include "libs/core/periodic.h"
#include "libs/core/random.h"
#include "libs/core/status.h"
#include "libs/grpc/call.h"
#include "libs/grpc/client.h"
#include "libs/grpc/server.h"
#include "libs/identity_client/key_source.h"
#include "libs/identity_client/service_token.h"
#include "libs/metrics/metrics.h"
#include "libs/pg/migrations.h"
#include "libs/pg/outbox.h"
#include "libs/pg/pool.h"
#include "libs/redis/client.h"
#include "libs/redis/pipelined.h"
#include "services/directory/adapters/event_publisher.h"
#include "services/directory/adapters/identity_accounts.h"
#include "services/directory/adapters/pg_store.h"
#include "services/directory/adapters/redis_permission_cache.h"
#include "services/directory/api/directory_grpc.h"

#ifndef PARTA_DIRECTORY_MIGRATIONS_DIR
#error "the build defines PARTA_DIRECTORY_MIGRATIONS_DIR"
#endif

namespace parta::directory {

absl::StatusOr<DirectoryConfig> DirectoryConfigFromEnvironment(Config& env) {
  DirectoryConfig config;
  // Two connections beyond the workers: the relay and the purge.
  const absl::Status common = grpc::ReadServiceSettings(env, DefaultMigrationsDir(), 2, config);
  config.identity_client_id = env.String("PARTA_DIRECTORY_CLIENT_ID", "");
  config.identity_client_secret = env.String("PARTA_DIRECTORY_CLIENT_SECRET", "");
  config.events_key = env.String("PARTA_DIRECTORY_EVENTS_KEY", config.events_key);
  config.permission_cache_ttl =
      env.Duration("PARTA_DIRECTORY_PERMISSION_CACHE_TTL", config.permission_cache_ttl);
  DirectorySettings& settings = config.directory;
  settings.parent_invitation_ttl =
      env.Duration("PARTA_DIRECTORY_PARENT_INVITATION_TTL", settings.parent_invitation_ttl);
  settings.join_request_ttl =
      env.Duration("PARTA_DIRECTORY_JOIN_REQUEST_TTL", settings.join_request_ttl);
  settings.max_parents_per_student = static_cast<int>(
      env.Int("PARTA_DIRECTORY_MAX_PARENTS", settings.max_parents_per_student, 1, 20));
  RETURN_IF_ERROR(env.Validate());
  RETURN_IF_ERROR(common);
  return config;
}

struct DirectoryApp::Parts {
  std::shared_ptr<prometheus::Registry> registry;
  std::unique_ptr<pg::Pool> pool;
  std::unique_ptr<redis::Pool> redis;
  std::unique_ptr<redis::PipelinedConnection> lookups;
  std::unique_ptr<UuidV7Generator> ids;
  std::unique_ptr<PgDirectoryStore> store;
  std::unique_ptr<RedisPermissionCache> cache;
  std::unique_ptr<EventPublisher> publisher;
  std::unique_ptr<pg::OutboxRelay> relay;
  std::unique_ptr<IdentityAccounts> accounts;
  std::unique_ptr<Directory> directory;
  std::unique_ptr<auth::KeySource> keys;
  std::unique_ptr<auth::RedisRevocationList> revocations;
  std::unique_ptr<auth::TokenVerifier> verifier;
  std::unique_ptr<BoundedExecutor> workers;
  std::unique_ptr<grpc::RpcRuntime> runtime;
  std::unique_ptr<DirectoryGrpcService> service;
  std::unique_ptr<metrics::MetricsServer> metrics;
  std::unique_ptr<grpc::Server> server;
  // Background work last: destroyed (stopped) first, before anything it uses.
  std::unique_ptr<PeriodicTask> relay_task;
  std::unique_ptr<PeriodicTask> purge_task;
};

std::string DefaultMigrationsDir() { return PARTA_DIRECTORY_MIGRATIONS_DIR; }

absl::Status MigrateDirectory(const std::string& pg_uri, const std::string& migrations_dir) {
  return pg::MigrateDatabase(pg_uri, migrations_dir);
}

absl::StatusOr<std::unique_ptr<DirectoryApp>> DirectoryApp::Start(
    const DirectoryConfig& config, const Clock& clock, std::unique_ptr<auth::KeySource> keys) {
  auto parts = std::make_unique<Parts>();
  parts->pool = std::make_unique<pg::Pool>(
      pg::Pool::Options{.uri = config.pg_uri, .size = static_cast<size_t>(config.pg_pool_size)});
  RETURN_IF_ERROR(parts->pool->Ping());
  ASSIGN_OR_RETURN(redis::Endpoint redis_endpoint, redis::Endpoint::Parse(config.redis_uri));
  // Every worker may hold one Redis connection for a permission lookup.
  parts->redis = std::make_unique<redis::Pool>(
      redis::Pool::Options{.endpoint = redis_endpoint,
                           .size = static_cast<size_t>(config.worker_threads + 2),
                           .timeout = absl::Milliseconds(500)});
  parts->ids = std::make_unique<UuidV7Generator>(clock);
  parts->store = std::make_unique<PgDirectoryStore>(*parts->pool);
  parts->registry = std::make_shared<prometheus::Registry>();
  parts->lookups = std::make_unique<redis::PipelinedConnection>(
      redis::PipelinedConnection::Options{.endpoint = redis_endpoint});
  parts->cache = std::make_unique<RedisPermissionCache>(
      *parts->redis, *parts->lookups, config.permission_cache_ttl, *parts->registry);
  parts->publisher =
      std::make_unique<EventPublisher>(*parts->redis, *parts->cache, config.events_key);
  EventPublisher* publisher = parts->publisher.get();
  parts->relay = std::make_unique<pg::OutboxRelay>(
      *parts->pool, [publisher](const Event& event) { return publisher->Publish(event); });
  pg::OutboxRelay* relay = parts->relay.get();
  parts->relay_task = pg::RelayPeriodically(*parts->relay, config.outbox_poll_interval);
  absl::Duration retention = config.outbox_retention;
  parts->purge_task =
      std::make_unique<PeriodicTask>("purge", config.purge_interval, [relay, retention] {
        if (absl::StatusOr<int64_t> purged = relay->Purge(retention); !purged.ok()) {
          log::Warning("outbox purge failed").With("error", purged.status().ToString());
        }
      });
  std::shared_ptr<::grpc::Channel> identity = grpc::MakeChannel(config.identity_address);
  std::unique_ptr<identity_client::ServiceTokenSource> service_tokens;
  if (!config.identity_client_id.empty()) {
    service_tokens = std::make_unique<identity_client::ServiceTokenSource>(
        identity, config.identity_client_id, config.identity_client_secret, clock);
  }
  parts->accounts = std::make_unique<IdentityAccounts>(identity, std::move(service_tokens));
  parts->directory = std::make_unique<Directory>(*parts->store, *parts->cache, *parts->accounts,
                                                 clock, *parts->ids, config.directory);
  parts->keys =
      keys ? std::move(keys)
           : std::make_unique<identity_client::IdentityKeySource>(identity, absl::Seconds(3));
  parts->revocations = std::make_unique<auth::RedisRevocationList>(*parts->redis);
  parts->verifier = std::make_unique<auth::TokenVerifier>(
      *parts->keys, parts->revocations.get(), clock,
      auth::TokenVerifier::Options{.verify = config.verify,
                                   .revocation_cache_ttl = config.revocation_cache_ttl});
  if (absl::Status loaded = parts->verifier->LoadKeys(); !loaded.ok()) {
    // Identity may start later: tokens are refused until the keys arrive.
    log::Warning("signing keys not loaded yet").With("error", loaded.ToString());
  }
  parts->workers =
      std::make_unique<BoundedExecutor>("directory-rpc", static_cast<size_t>(config.worker_threads),
                                        static_cast<size_t>(config.worker_queue));
  parts->runtime = std::make_unique<grpc::RpcRuntime>(
      *parts->workers, *parts->verifier,
      grpc::RpcRuntime::Options{.error_domain = "directory.parta",
                                .services = {"parta.directory.v1.DirectoryService"},
                                .trusted_proxies = config.trusted_proxies});
  parts->service = std::make_unique<DirectoryGrpcService>(*parts->directory, *parts->runtime);
  if (!config.metrics_listen.empty()) {
    ASSIGN_OR_RETURN(parts->metrics,
                     metrics::MetricsServer::Start(config.metrics_listen, parts->registry));
  }
  ASSIGN_OR_RETURN(parts->server, grpc::Server::Start({.listen_address = config.grpc_listen,
                                                       .port_file = config.port_file},
                                                      {parts->service.get()}, parts->registry));
  return std::unique_ptr<DirectoryApp>(new DirectoryApp(std::move(parts)));
}

DirectoryApp::DirectoryApp(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

DirectoryApp::~DirectoryApp() { Shutdown(absl::ZeroDuration()); }

int DirectoryApp::grpc_port() const { return parts_->server->port(); }

absl::Status DirectoryApp::RelayEvents() { return parts_->relay->RelayOnce().status(); }

void DirectoryApp::Shutdown(absl::Duration grace) {
  parts_->server->Shutdown(grace);
  parts_->workers->Stop();
  parts_->lookups->Stop();
  parts_->relay_task->Stop();
  parts_->purge_task->Stop();
}

}  // namespace parta::directory
