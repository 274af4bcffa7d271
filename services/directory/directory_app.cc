#include "services/directory/directory_app.h"

#include "libs/core/log.h"
#include "libs/core/status.h"
#include <google/protobuf/util/time_util.h>

#include "libs/identity_client/account_feed.h"
#include "libs/identity_client/service_token.h"
#include "libs/pg/event_cursor.h"
#include "libs/pg/migrations.h"
#include "libs/redis/pipelined.h"
#include "libs/service_host/service_host.h"
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
  // Three connections beyond the workers: the relay, the purge and the account feed.
  const absl::Status common = grpc::ReadServiceSettings(env, DefaultMigrationsDir(), 3, config);
  config.identity_client_id = env.String("PARTA_DIRECTORY_CLIENT_ID", "");
  config.identity_client_secret = env.String("PARTA_DIRECTORY_CLIENT_SECRET", "");
  config.events_key = env.String("PARTA_DIRECTORY_EVENTS_KEY", config.events_key);
  config.identity_events_key = env.String("PARTA_IDENTITY_EVENTS_KEY", config.identity_events_key);
  config.permission_cache_ttl =
      env.Duration("PARTA_DIRECTORY_PERMISSION_CACHE_TTL", config.permission_cache_ttl);
  DirectorySettings& settings = config.directory;
  settings.parent_invitation_ttl =
      env.Duration("PARTA_DIRECTORY_PARENT_INVITATION_TTL", settings.parent_invitation_ttl);
  settings.join_request_ttl =
      env.Duration("PARTA_DIRECTORY_JOIN_REQUEST_TTL", settings.join_request_ttl);
  settings.create_retry_window =
      env.Duration("PARTA_DIRECTORY_CREATE_RETRY_WINDOW", settings.create_retry_window);
  settings.audit_retention =
      env.Duration("PARTA_DIRECTORY_AUDIT_RETENTION", settings.audit_retention);
  settings.max_parents_per_student = static_cast<int>(
      env.Int("PARTA_DIRECTORY_MAX_PARENTS", settings.max_parents_per_student, 1, 20));
  RETURN_IF_ERROR(env.Validate());
  RETURN_IF_ERROR(common);
  return config;
}

struct DirectoryApp::Parts {
  std::unique_ptr<auth::KeySource> keys;  // given by tests; otherwise the host asks identity
  std::unique_ptr<ServiceHost> host;      // before the service's parts: destroyed after them
  std::unique_ptr<redis::PipelinedConnection> lookups;
  std::unique_ptr<PgDirectoryStore> store;
  std::unique_ptr<RedisPermissionCache> cache;
  std::unique_ptr<EventPublisher> publisher;
  std::unique_ptr<identity_client::ServiceTokenSource> service_tokens;
  std::unique_ptr<IdentityAccounts> accounts;
  std::unique_ptr<Directory> directory;
  std::unique_ptr<DirectoryGrpcService> service;
  std::unique_ptr<identity_client::AccountFeed> account_feed;  // stopped before the rest goes
};

std::string DefaultMigrationsDir() { return PARTA_DIRECTORY_MIGRATIONS_DIR; }

namespace {

// nullopt for a change this build does not know (a newer identity's): nothing to do.
std::optional<AccountChange> AccountChangeFromProto(const identity::v1::AccountEvent& event) {
  using Case = identity::v1::AccountEvent::ChangeCase;
  AccountChange change{.account_id = event.account_id(),
                       .actor_id = event.actor_id(),
                       .at = absl::FromUnixMicros(
                           google::protobuf::util::TimeUtil::TimestampToMicroseconds(
                               event.time()))};
  switch (event.change_case()) {
    case Case::kLocked:
      change.kind = AccountChange::Kind::kLocked;
      return change;
    case Case::kUnlocked:
      change.kind = AccountChange::Kind::kUnlocked;
      return change;
    case Case::kClosed:
      change.kind = AccountChange::Kind::kClosed;
      return change;
    case Case::kReopened:
      change.kind = AccountChange::Kind::kReopened;
      return change;
    case Case::kErased:
      change.kind = AccountChange::Kind::kErased;
      return change;
    case Case::CHANGE_NOT_SET:
      break;
  }
  return std::nullopt;
}

}  // namespace

absl::Status MigrateDirectory(const std::string& pg_uri, const std::string& migrations_dir) {
  return pg::MigrateDatabase(pg_uri, migrations_dir);
}

absl::StatusOr<std::unique_ptr<DirectoryApp>> DirectoryApp::Start(
    const DirectoryConfig& config, const Clock& clock, std::unique_ptr<auth::KeySource> keys) {
  auto parts = std::make_unique<Parts>();
  parts->keys = std::move(keys);
  ASSIGN_OR_RETURN(parts->host,
                   ServiceHost::Start(config, clock,
                                      {.name = "directory",
                                       .services = {"parta.directory.v1.DirectoryService"},
                                       .redis_timeout = absl::Milliseconds(500)}));
  ServiceHost& host = *parts->host;
  parts->store = std::make_unique<PgDirectoryStore>(host.pool());
  parts->lookups = std::make_unique<redis::PipelinedConnection>(
      redis::PipelinedConnection::Options{.endpoint = host.redis_endpoint()});
  parts->cache = std::make_unique<RedisPermissionCache>(
      host.redis(), *parts->lookups, config.permission_cache_ttl, host.registry());
  parts->publisher =
      std::make_unique<EventPublisher>(host.redis(), *parts->cache, config.events_key);
  EventPublisher* publisher = parts->publisher.get();
  host.RelayOutbox([publisher](const Event& event) { return publisher->Publish(event); });
  if (!config.identity_client_id.empty()) {
    parts->service_tokens = std::make_unique<identity_client::ServiceTokenSource>(
        host.identity_channel(), config.identity_client_id, config.identity_client_secret, clock);
  }
  parts->accounts =
      std::make_unique<IdentityAccounts>(host.identity_channel(), parts->service_tokens.get());
  parts->directory = std::make_unique<Directory>(*parts->store, *parts->cache, *parts->accounts,
                                                 clock, host.ids(), config.directory);
  Directory* directory = parts->directory.get();
  if (parts->service_tokens) {
    identity_client::ServiceTokenSource* tokens = parts->service_tokens.get();
    parts->account_feed = std::make_unique<identity_client::AccountFeed>(
        host.redis(), config.identity_events_key, host.identity_channel(),
        [tokens] { return tokens->Token(); },
        [directory](int64_t sequence, const identity::v1::AccountEvent& event) {
          std::optional<AccountChange> change = AccountChangeFromProto(event);
          if (!change) return absl::OkStatus();
          return directory->ApplyAccountChange(identity_client::kAccountsCursor, sequence,
                                               *change);
        });
    ASSIGN_OR_RETURN(int64_t cursor,
                     pg::ReadCursor(host.pool(), identity_client::kAccountsCursor));
    parts->account_feed->Start(cursor);
    identity_client::AccountFeed* feed = parts->account_feed.get();
    host.OnShutdown([feed] { feed->Stop(); });
  } else {
    log::Warning("PARTA_DIRECTORY_CLIENT_ID is not set: account locks and erasures do not reach "
                 "the directory");
  }
  host.Every("retry-claims", config.purge_interval, [directory] {
    if (absl::StatusOr<int64_t> purged = directory->PurgeRetryClaims(); !purged.ok()) {
      log::Warning("create retry claims not purged").With("error", purged.status().ToString());
    }
    if (absl::StatusOr<int64_t> purged = directory->PurgeAuditLog(); !purged.ok()) {
      log::Warning("audit log not purged").With("error", purged.status().ToString());
    }
  });
  host.CheckTokens(parts->keys.get(), nullptr, host.TokenOptions());
  parts->service = std::make_unique<DirectoryGrpcService>(*parts->directory, host.runtime());
  redis::PipelinedConnection* lookups = parts->lookups.get();
  host.OnShutdown([lookups] { lookups->Stop(); });
  RETURN_IF_ERROR(host.Serve({parts->service.get()}));
  return std::unique_ptr<DirectoryApp>(new DirectoryApp(std::move(parts)));
}

DirectoryApp::DirectoryApp(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

DirectoryApp::~DirectoryApp() { Shutdown(absl::ZeroDuration()); }

int DirectoryApp::grpc_port() const { return parts_->host->grpc_port(); }

absl::Status DirectoryApp::RelayEvents() { return parts_->host->relay().RelayOnce().status(); }

void DirectoryApp::Shutdown(absl::Duration grace) { parts_->host->Shutdown(grace); }

}  // namespace parta::directory
