#include "services/messaging/messaging_app.h"

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
#include "services/messaging/api/messaging_grpc.h"
#include "services/messaging/chats/inbox.h"
#include "services/messaging/realtime/outbox_publisher.h"
#include "services/messaging/roster/direct_chat_checks.h"
#include "services/messaging/roster/directory_contacts.h"
#include "services/messaging/roster/directory_feed.h"
#include "services/messaging/roster/roster_chats.h"

#ifndef PARTA_MESSAGING_MIGRATIONS_DIR
#error "the build defines PARTA_MESSAGING_MIGRATIONS_DIR"
#endif

namespace parta::messaging {

absl::StatusOr<MessagingConfig> MessagingConfigFromEnvironment(Config& env) {
  MessagingConfig config;
  config.send_writers =
      static_cast<int>(env.Int("PARTA_MESSAGING_SEND_WRITERS", config.send_writers, 1, 64));
  config.send_queue_limit = static_cast<int>(
      env.Int("PARTA_MESSAGING_SEND_QUEUE_LIMIT", config.send_queue_limit, 1, 1'000'000));
  // Each writer holds a connection while it writes; three more for the relay, purge and feed.
  const absl::Status common =
      grpc::ReadServiceSettings(env, DefaultMigrationsDir(), config.send_writers + 3, config);
  config.directory_address = env.RequiredString("PARTA_DIRECTORY_ADDR");
  config.identity_client_id = env.String("PARTA_MESSAGING_CLIENT_ID", "");
  config.identity_client_secret = env.String("PARTA_MESSAGING_CLIENT_SECRET", "");
  config.directory_events_key =
      env.String("PARTA_DIRECTORY_EVENTS_KEY", config.directory_events_key);
  config.revocation_outage_grace =
      env.Duration("PARTA_REVOCATION_OUTAGE_GRACE", config.revocation_outage_grace);
  config.messaging.delete_window =
      env.Duration("PARTA_MESSAGING_DELETE_WINDOW", config.messaging.delete_window);
  RETURN_IF_ERROR(env.Validate());
  RETURN_IF_ERROR(common);
  return config;
}

struct MessagingApp::Parts {
  std::shared_ptr<prometheus::Registry> registry;
  std::unique_ptr<pg::Pool> pool;
  std::unique_ptr<redis::Pool> redis;
  std::unique_ptr<UuidV7Generator> ids;
  std::unique_ptr<pg::OutboxRelay> relay;
  std::unique_ptr<identity_client::ServiceTokenSource> service_tokens;
  std::unique_ptr<DirectoryContacts> contacts;
  std::unique_ptr<Messages> messages;
  std::unique_ptr<SendBatcher> sends;
  std::unique_ptr<Inbox> inbox;
  std::unique_ptr<MessageActions> actions;
  std::unique_ptr<Moderation> moderation;
  std::unique_ptr<ChatAdmin> admin;
  std::unique_ptr<DirectChatGate> direct;
  std::unique_ptr<DirectChatChecks> direct_checks;
  std::unique_ptr<Search> search;
  std::unique_ptr<RosterChats> roster;
  std::unique_ptr<auth::KeySource> keys;
  std::unique_ptr<auth::RedisRevocationList> revocations;
  std::unique_ptr<auth::TokenVerifier> verifier;
  std::unique_ptr<BoundedExecutor> workers;
  std::unique_ptr<grpc::RpcRuntime> runtime;
  std::unique_ptr<MessagingGrpcService> messaging_service;
  std::unique_ptr<SubscriptionGrpcService> subscription_service;
  std::unique_ptr<ClientSignalGrpcService> signal_service;
  std::unique_ptr<metrics::MetricsServer> metrics;
  std::unique_ptr<grpc::Server> server;
  // Background work last: destroyed (stopped) first, before anything it uses.
  std::unique_ptr<PeriodicTask> relay_task;
  std::unique_ptr<PeriodicTask> purge_task;
  std::unique_ptr<PeriodicTask> direct_check_task;
  std::unique_ptr<DirectoryFeed> feed;

  // After every commit: publish now rather than at the next poll.
  void Committed() {
    if (relay_task) relay_task->Wake();
  }
  // After the directory feed's commits: they may have queued direct chats to check.
  void RosterCommitted() {
    Committed();
    if (direct_check_task) direct_check_task->Wake();
  }
};

std::string DefaultMigrationsDir() { return PARTA_MESSAGING_MIGRATIONS_DIR; }

absl::Status MigrateMessaging(const std::string& pg_uri, const std::string& migrations_dir) {
  return pg::MigrateDatabase(pg_uri, migrations_dir);
}

absl::StatusOr<std::unique_ptr<MessagingApp>> MessagingApp::Start(
    const MessagingConfig& config, const Clock& clock, std::unique_ptr<auth::KeySource> keys,
    TokenSource service_tokens) {
  auto parts = std::make_unique<Parts>();
  Parts* p = parts.get();
  parts->pool = std::make_unique<pg::Pool>(
      pg::Pool::Options{.uri = config.pg_uri, .size = static_cast<size_t>(config.pg_pool_size)});
  RETURN_IF_ERROR(parts->pool->Ping());
  ASSIGN_OR_RETURN(redis::Endpoint redis_endpoint, redis::Endpoint::Parse(config.redis_uri));
  // Workers publish typing indicators; the relay and the directory feed hold one each.
  parts->redis = std::make_unique<redis::Pool>(
      redis::Pool::Options{.endpoint = redis_endpoint,
                           .size = static_cast<size_t>(config.worker_threads + 4),
                           .timeout = absl::Seconds(2)});
  parts->ids = std::make_unique<UuidV7Generator>(clock);
  parts->registry = std::make_shared<prometheus::Registry>();
  redis::Pool* redis = parts->redis.get();
  parts->relay = std::make_unique<pg::OutboxRelay>(
      *parts->pool, [redis](const Event& event) { return PublishOutboxEvent(*redis, event); });
  std::function<void()> committed = [p] { p->Committed(); };
  std::shared_ptr<::grpc::Channel> identity = grpc::MakeChannel(config.identity_address);
  std::shared_ptr<::grpc::Channel> directory = grpc::MakeChannel(config.directory_address);
  if (!service_tokens) {
    if (!config.identity_client_id.empty()) {
      parts->service_tokens = std::make_unique<identity_client::ServiceTokenSource>(
          identity, config.identity_client_id, config.identity_client_secret, clock);
      identity_client::ServiceTokenSource* source = parts->service_tokens.get();
      service_tokens = [source] { return source->Token(); };
    } else {
      service_tokens = []() -> absl::StatusOr<std::string> {
        return Unavailable("IDENTITY_CLIENT_NOT_CONFIGURED",
                           "PARTA_MESSAGING_CLIENT_ID is not set: messaging cannot ask the "
                           "directory");
      };
    }
  }
  parts->contacts = std::make_unique<DirectoryContacts>(directory, service_tokens);
  DirectoryContacts* contacts = parts->contacts.get();
  parts->messages =
      std::make_unique<Messages>(*parts->pool, *parts->ids, clock, config.messaging, committed);
  parts->sends = std::make_unique<SendBatcher>(*parts->pool, *parts->messages, committed,
                                               *parts->registry, config.send_writers,
                                               /*max_batch=*/64, config.send_queue_limit);
  parts->inbox = std::make_unique<Inbox>(*parts->pool, *parts->ids, clock, committed);
  parts->actions = std::make_unique<MessageActions>(*parts->pool, *parts->ids, clock, committed);
  parts->moderation = std::make_unique<Moderation>(*parts->pool, *parts->ids, clock, committed);
  ContactCheck contact = [contacts](const std::string& school_id, const std::string& subject,
                                    const std::string& user_id) {
    return contacts->MayContact(school_id, subject, user_id);
  };
  parts->admin = std::make_unique<ChatAdmin>(*parts->pool, *parts->ids, clock, contact, committed);
  parts->direct = std::make_unique<DirectChatGate>(*parts->pool, contact);
  parts->direct_checks =
      std::make_unique<DirectChatChecks>(*parts->pool, *parts->ids, clock, contact, committed);
  parts->search = std::make_unique<Search>(*parts->pool);
  parts->roster = std::make_unique<RosterChats>(*parts->ids, clock);

  parts->keys =
      keys ? std::move(keys)
           : std::make_unique<identity_client::IdentityKeySource>(identity, absl::Seconds(3));
  parts->revocations = std::make_unique<auth::RedisRevocationList>(*parts->redis);
  parts->verifier = std::make_unique<auth::TokenVerifier>(
      *parts->keys, parts->revocations.get(), clock,
      auth::TokenVerifier::Options{.verify = config.verify,
                                   .revocation_cache_ttl = config.revocation_cache_ttl,
                                   .revocation_outage_grace = config.revocation_outage_grace});
  if (absl::Status loaded = parts->verifier->LoadKeys(); !loaded.ok()) {
    // Identity may start later: tokens are refused until the keys arrive.
    log::Warning("signing keys not loaded yet").With("error", loaded.ToString());
  }
  parts->workers =
      std::make_unique<BoundedExecutor>("messaging-rpc", static_cast<size_t>(config.worker_threads),
                                        static_cast<size_t>(config.worker_queue));
  parts->runtime = std::make_unique<grpc::RpcRuntime>(
      *parts->workers, *parts->verifier,
      grpc::RpcRuntime::Options{
          .error_domain = "messaging.parta",
          .services = {"parta.messaging.v1.MessagingService", "parta.events.v1.SubscriptionService",
                       "parta.events.v1.ClientSignalService"},
          .trusted_proxies = config.trusted_proxies});
  parts->messaging_service =
      std::make_unique<MessagingGrpcService>(MessagingUseCases{.messages = *parts->messages,
                                                               .sends = *parts->sends,
                                                               .inbox = *parts->inbox,
                                                               .actions = *parts->actions,
                                                               .moderation = *parts->moderation,
                                                               .admin = *parts->admin,
                                                               .search = *parts->search,
                                                               .direct = *parts->direct},
                                             *parts->runtime);
  parts->subscription_service =
      std::make_unique<SubscriptionGrpcService>(*parts->inbox, *parts->runtime);
  parts->signal_service =
      std::make_unique<ClientSignalGrpcService>(*parts->inbox, *parts->redis, *parts->runtime);

  parts->relay_task = pg::RelayPeriodically(*parts->relay, config.outbox_poll_interval);
  pg::OutboxRelay* relay = parts->relay.get();
  absl::Duration retention = config.outbox_retention;
  parts->purge_task =
      std::make_unique<PeriodicTask>("purge", config.purge_interval, [relay, retention] {
        if (absl::StatusOr<int64_t> purged = relay->Purge(retention, "user/"); !purged.ok()) {
          log::Warning("outbox purge failed").With("error", purged.status().ToString());
        }
      });
  DirectChatChecks* direct_checks = parts->direct_checks.get();
  parts->direct_check_task =
      std::make_unique<PeriodicTask>("direct-checks", absl::Seconds(5), [direct_checks] {
        if (absl::Status checked = direct_checks->Drain(); !checked.ok()) {
          log::Warning("direct chat checks paused").With("error", checked.ToString());
        }
      });
  parts->feed = std::make_unique<DirectoryFeed>(
      *parts->pool, *parts->redis, config.directory_events_key,
      grpc::MakeChannel(config.directory_address), std::move(service_tokens), *parts->roster,
      [p] { p->RosterCommitted(); });
  parts->feed->Start();

  if (!config.metrics_listen.empty()) {
    ASSIGN_OR_RETURN(parts->metrics,
                     metrics::MetricsServer::Start(config.metrics_listen, parts->registry));
  }
  ASSIGN_OR_RETURN(
      parts->server,
      grpc::Server::Start({.listen_address = config.grpc_listen, .port_file = config.port_file},
                          {parts->messaging_service.get(), parts->subscription_service.get(),
                           parts->signal_service.get()},
                          parts->registry));
  return std::unique_ptr<MessagingApp>(new MessagingApp(std::move(parts)));
}

MessagingApp::MessagingApp(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

MessagingApp::~MessagingApp() { Shutdown(absl::ZeroDuration()); }

int MessagingApp::grpc_port() const { return parts_->server->port(); }

void MessagingApp::Shutdown(absl::Duration grace) {
  parts_->server->Shutdown(grace);
  parts_->sends->Stop();
  parts_->workers->Stop();
  parts_->feed->Stop();
  parts_->direct_check_task->Stop();
  parts_->relay_task->Stop();
  parts_->purge_task->Stop();
}

}  // namespace parta::messaging
