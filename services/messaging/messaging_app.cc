#include "services/messaging/messaging_app.h"

#include "libs/core/log.h"
#include "libs/core/status.h"
#include "libs/grpc/client.h"
#include "libs/identity_client/account_feed.h"
#include "libs/identity_client/service_token.h"
#include "libs/pg/event_cursor.h"
#include "libs/pg/migrations.h"
#include "libs/service_host/service_host.h"
#include "services/messaging/api/messaging_grpc.h"
#include "services/messaging/chats/account_erasure.h"
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
  // Each writer holds a connection while it writes; four more for the relay, purge and feeds.
  const absl::Status common =
      grpc::ReadServiceSettings(env, DefaultMigrationsDir(), config.send_writers + 4, config);
  config.directory_address = env.RequiredString("PARTA_DIRECTORY_ADDR");
  config.content_address = env.String("PARTA_CONTENT_ADDR", "");
  config.identity_client_id = env.String("PARTA_MESSAGING_CLIENT_ID", "");
  config.identity_client_secret = env.String("PARTA_MESSAGING_CLIENT_SECRET", "");
  config.directory_events_key =
      env.String("PARTA_DIRECTORY_EVENTS_KEY", config.directory_events_key);
  config.identity_events_key = env.String("PARTA_IDENTITY_EVENTS_KEY", config.identity_events_key);
  config.revocation_outage_grace =
      env.Duration("PARTA_REVOCATION_OUTAGE_GRACE", config.revocation_outage_grace);
  config.messaging.delete_window =
      env.Duration("PARTA_MESSAGING_DELETE_WINDOW", config.messaging.delete_window);
  RETURN_IF_ERROR(env.Validate());
  RETURN_IF_ERROR(common);
  return config;
}

struct MessagingApp::Parts {
  std::unique_ptr<auth::KeySource> keys;  // given by tests; otherwise the host asks identity
  std::unique_ptr<ServiceHost> host;      // before the service's parts: destroyed after them
  std::unique_ptr<identity_client::ServiceTokenSource> service_tokens;
  std::unique_ptr<DirectoryContacts> contacts;
  std::unique_ptr<ContentAttachments> content;
  std::unique_ptr<AttachmentAccess> attachment_access;
  std::unique_ptr<Messages> messages;
  std::unique_ptr<SendBatcher> sends;
  std::unique_ptr<Inbox> inbox;
  std::unique_ptr<MessageActions> actions;
  std::unique_ptr<Moderation> moderation;
  std::unique_ptr<ChatAdmin> admin;
  std::unique_ptr<DirectChatGate> direct;
  std::unique_ptr<DirectChatChecks> direct_checks;
  std::unique_ptr<Search> search;
  std::unique_ptr<SupportChats> support;
  std::unique_ptr<PersonExport> person_export;
  std::unique_ptr<RosterChats> roster;
  std::unique_ptr<MessagingGrpcService> messaging_service;
  std::unique_ptr<SubscriptionGrpcService> subscription_service;
  std::unique_ptr<ClientSignalGrpcService> signal_service;
  std::unique_ptr<DirectoryFeed> feed;
  std::unique_ptr<AccountErasure> erasure;
  std::unique_ptr<identity_client::AccountFeed> account_feed;
  PeriodicTask* direct_check_task = nullptr;

  // After the directory feed's commits: they may have queued direct chats to check.
  void RosterCommitted() {
    host->Committed();
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
  parts->keys = std::move(keys);
  // Workers publish typing indicators; the relay and the two feeds hold one each.
  ASSIGN_OR_RETURN(
      parts->host,
      ServiceHost::Start(config, clock,
                         {.name = "messaging",
                          .services = {"parta.messaging.v1.MessagingService",
                                       "parta.events.v1.SubscriptionService",
                                       "parta.events.v1.ClientSignalService"},
                          .extra_redis_connections = 5}));
  ServiceHost& host = *parts->host;
  redis::Pool* redis = &host.redis();
  // Instructions to gateways ("user/…" streams) are purged; chats' logs are kept.
  host.RelayOutbox([redis](const Event& event) { return PublishOutboxEvent(*redis, event); },
                   "user/");
  std::function<void()> committed = [p] { p->host->Committed(); };
  std::shared_ptr<::grpc::Channel> directory = grpc::MakeChannel(config.directory_address);
  if (!service_tokens) {
    if (!config.identity_client_id.empty()) {
      parts->service_tokens = std::make_unique<identity_client::ServiceTokenSource>(
          host.identity_channel(), config.identity_client_id, config.identity_client_secret,
          clock);
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
  pg::Pool& pool = host.pool();
  IdGenerator& ids = host.ids();
  parts->messages = std::make_unique<Messages>(pool, ids, clock, config.messaging, committed);
  parts->sends = std::make_unique<SendBatcher>(pool, *parts->messages, committed, host.registry(),
                                               config.send_writers, /*max_batch=*/64,
                                               config.send_queue_limit);
  parts->inbox = std::make_unique<Inbox>(pool, ids, clock, committed);
  parts->actions = std::make_unique<MessageActions>(pool, ids, clock, committed);
  parts->moderation = std::make_unique<Moderation>(pool, ids, clock, committed);
  ContactCheck contact = [contacts](const std::string& school_id, const std::string& subject,
                                    const std::string& user_id) {
    return contacts->MayContact(school_id, subject, user_id);
  };
  parts->admin = std::make_unique<ChatAdmin>(pool, ids, clock, contact, committed);
  parts->direct = std::make_unique<DirectChatGate>(pool, contact);
  parts->direct_checks =
      std::make_unique<DirectChatChecks>(pool, ids, clock, contact, committed);
  parts->search = std::make_unique<Search>(pool);
  parts->content = std::make_unique<ContentAttachments>(
      config.content_address.empty() ? nullptr : grpc::MakeChannel(config.content_address));
  parts->attachment_access = std::make_unique<AttachmentAccess>(pool);
  parts->support = std::make_unique<SupportChats>(pool, ids, clock, committed);
  parts->person_export = std::make_unique<PersonExport>(pool);
  parts->roster = std::make_unique<RosterChats>(ids, clock);

  auth::TokenVerifier::Options token_options = host.TokenOptions();
  token_options.revocation_outage_grace = config.revocation_outage_grace;
  host.CheckTokens(parts->keys.get(), nullptr, token_options);
  parts->messaging_service = std::make_unique<MessagingGrpcService>(
      MessagingUseCases{.messages = *parts->messages,
                        .sends = *parts->sends,
                        .inbox = *parts->inbox,
                        .actions = *parts->actions,
                        .moderation = *parts->moderation,
                        .admin = *parts->admin,
                        .search = *parts->search,
                        .direct = *parts->direct,
                        .content = *parts->content,
                        .attachment_access = *parts->attachment_access,
                        .support = *parts->support,
                        .person_export = *parts->person_export},
      host.runtime());
  parts->subscription_service =
      std::make_unique<SubscriptionGrpcService>(*parts->inbox, host.runtime());
  parts->signal_service =
      std::make_unique<ClientSignalGrpcService>(*parts->inbox, host.redis(), host.runtime());

  DirectChatChecks* direct_checks = parts->direct_checks.get();
  parts->direct_check_task = &host.Every("direct-checks", absl::Seconds(5), [direct_checks] {
    if (absl::Status checked = direct_checks->Drain(); !checked.ok()) {
      log::Warning("direct chat checks paused").With("error", checked.ToString());
    }
  });
  parts->feed = std::make_unique<DirectoryFeed>(
      pool, host.redis(), config.directory_events_key, directory, service_tokens,
      *parts->roster, [p] { p->RosterCommitted(); });
  parts->feed->Start();
  // A person's erasure, from identity's account events.
  parts->erasure = std::make_unique<AccountErasure>(pool, ids, clock, committed);
  AccountErasure* erasure = parts->erasure.get();
  parts->account_feed = std::make_unique<identity_client::AccountFeed>(
      host.redis(), config.identity_events_key, host.identity_channel(), service_tokens,
      [erasure](int64_t sequence, const identity::v1::AccountEvent& event) -> absl::Status {
        if (!event.has_erased()) return absl::OkStatus();
        return erasure->Erase(identity_client::kAccountsCursor, sequence, event.account_id());
      });
  ASSIGN_OR_RETURN(int64_t account_cursor, pg::ReadCursor(pool, identity_client::kAccountsCursor));
  parts->account_feed->Start(account_cursor);
  SendBatcher* sends = parts->sends.get();
  DirectoryFeed* feed = parts->feed.get();
  identity_client::AccountFeed* account_feed = parts->account_feed.get();
  host.OnShutdown([feed] { feed->Stop(); });
  host.OnShutdown([account_feed] { account_feed->Stop(); });
  host.OnShutdown([sends] { sends->Stop(); });  // runs first: queued sends are written

  RETURN_IF_ERROR(host.Serve({parts->messaging_service.get(), parts->subscription_service.get(),
                              parts->signal_service.get()}));
  return std::unique_ptr<MessagingApp>(new MessagingApp(std::move(parts)));
}

MessagingApp::MessagingApp(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

MessagingApp::~MessagingApp() { Shutdown(absl::ZeroDuration()); }

int MessagingApp::grpc_port() const { return parts_->host->grpc_port(); }

void MessagingApp::Shutdown(absl::Duration grace) { parts_->host->Shutdown(grace); }

}  // namespace parta::messaging
