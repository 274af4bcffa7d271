#include "services/identity/identity_app.h"

#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "libs/core/log.h"
#include "libs/core/status.h"
#include "libs/pg/migrations.h"
#include "libs/service_host/service_host.h"
#include "services/identity/adapters/event_publisher.h"
#include "services/identity/adapters/master_key.h"
#include "services/identity/adapters/pg_store.h"
#include "services/identity/adapters/sms_file_sender.h"
#include "services/identity/api/identity_grpc.h"

#ifndef PARTA_IDENTITY_MIGRATIONS_DIR
#error "the build defines PARTA_IDENTITY_MIGRATIONS_DIR"
#endif

namespace parta::identity {

absl::StatusOr<IdentityConfig> IdentityConfigFromEnvironment(Config& env) {
  IdentityConfig config;
  config.pg_uri = env.RequiredString("PARTA_PG_URI");

  config.redis_uri = env.RequiredString("PARTA_REDIS_URI");
  config.events_key = env.String("PARTA_IDENTITY_EVENTS_KEY", config.events_key);
  config.grpc_listen = env.String("PARTA_GRPC_LISTEN", config.grpc_listen);
  config.port_file = env.String("PARTA_GRPC_PORT_FILE", "");
  config.metrics_listen = env.String("PARTA_METRICS_LISTEN", config.metrics_listen);
  if (config.metrics_listen == "off") config.metrics_listen.clear();
  config.migrations_dir = env.String("PARTA_MIGRATIONS_DIR", DefaultMigrationsDir());
  std::string key_file = env.RequiredString("PARTA_IDENTITY_MASTER_KEY_FILE");

  IdentitySettings& identity = config.identity;
  identity.issuer = env.String("PARTA_AUTH_ISSUER", identity.issuer);
  identity.audience = env.String("PARTA_AUTH_AUDIENCE", identity.audience);
  identity.access_token_ttl =
      env.Duration("PARTA_IDENTITY_ACCESS_TOKEN_TTL", identity.access_token_ttl);
  identity.refresh_token_ttl =
      env.Duration("PARTA_IDENTITY_REFRESH_TOKEN_TTL", identity.refresh_token_ttl);
  identity.refresh_grace = env.Duration("PARTA_IDENTITY_REFRESH_GRACE", identity.refresh_grace);
  identity.service_token_ttl =
      env.Duration("PARTA_IDENTITY_SERVICE_TOKEN_TTL", identity.service_token_ttl);
  identity.login_code_ttl = env.Duration("PARTA_IDENTITY_LOGIN_CODE_TTL", identity.login_code_ttl);
  identity.create_retry_window =
      env.Duration("PARTA_IDENTITY_CREATE_RETRY_WINDOW", identity.create_retry_window);
  LoginProtectionPolicy& login = identity.login_protection;
  login.free_attempts =
      static_cast<int>(env.Int("PARTA_IDENTITY_LOGIN_FREE_ATTEMPTS", login.free_attempts, 1, 1000));
  login.base_delay = env.Duration("PARTA_IDENTITY_LOGIN_BASE_DELAY", login.base_delay);
  login.max_delay = env.Duration("PARTA_IDENTITY_LOGIN_MAX_DELAY", login.max_delay);
  login.window = env.Duration("PARTA_IDENTITY_LOGIN_FAILURE_WINDOW", login.window);
  login.address_burst =
      static_cast<double>(env.Int("PARTA_IDENTITY_LOGIN_ADDRESS_BURST", 300, 1, 1'000'000));
  login.address_refill_per_second =
      static_cast<double>(env.Int("PARTA_IDENTITY_LOGIN_ADDRESS_PER_SECOND", 2, 1, 1'000'000));

  KeyRotationPolicy& keys = config.keys;
  keys.rotation = env.Duration("PARTA_IDENTITY_KEY_ROTATION", keys.rotation);
  keys.publish_ahead = env.Duration("PARTA_IDENTITY_KEY_PUBLISH_AHEAD", keys.publish_ahead);
  keys.token_lifetime = identity.access_token_ttl;
  config.key_check_interval =
      env.Duration("PARTA_IDENTITY_KEY_CHECK_INTERVAL", config.key_check_interval);
  config.outbox_poll_interval =
      env.Duration("PARTA_OUTBOX_POLL_INTERVAL", config.outbox_poll_interval);
  config.outbox_retention = env.Duration("PARTA_OUTBOX_RETENTION", config.outbox_retention);
  config.purge_interval = env.Duration("PARTA_IDENTITY_PURGE_INTERVAL", config.purge_interval);

  auto& hashing = config.hashing;
  hashing.ops_limit = static_cast<uint64_t>(env.Int("PARTA_ARGON2_ITERATIONS", 2, 1, 10));
  hashing.mem_limit_bytes =
      static_cast<size_t>(env.Int("PARTA_ARGON2_MEMORY_KIB", 19 * 1024, 8, 1024 * 1024)) * 1024;
  hashing.threads = static_cast<size_t>(
      env.Int("PARTA_ARGON2_THREADS", std::max(1u, std::thread::hardware_concurrency()), 1, 256));
  // Password calls wait for the hasher on the password queue's threads (twice the hashing
  // threads); this queue holds them all, so the password queue alone decides who waits.
  hashing.queue = static_cast<size_t>(
      env.Int("PARTA_ARGON2_QUEUE", static_cast<int64_t>(2 * hashing.threads), 1, 100000));
  config.password_max_wait =
      env.Duration("PARTA_IDENTITY_PASSWORD_MAX_WAIT", config.password_max_wait);
  // Workers block on Postgres round trips; more than a few per core only adds context switches
  // (measured with the GetMe benchmark). Each worker needs at most one connection at a time.
  int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  config.worker_threads = static_cast<int>(env.Int("PARTA_WORKER_THREADS", 4 * cores, 1, 1024));
  // A connection for each worker, each password thread, and the relay and purge.
  const int password_threads = static_cast<int>(2 * hashing.threads);
  config.pg_pool_size = static_cast<int>(
      env.Int("PARTA_PG_POOL_SIZE", config.worker_threads + password_threads + 2, 1, 500));
  config.worker_queue = static_cast<int>(env.Int("PARTA_WORKER_QUEUE", 1024, 1, 1000000));
  identity.esia_sign_in_ttl = env.Duration("PARTA_ESIA_SIGN_IN_TTL", identity.esia_sign_in_ttl);
  if (std::string url = env.String("PARTA_ESIA_URL", ""); !url.empty()) {
    esia::EsiaSettings esia;
    esia.base_url = std::move(url);
    esia.client_id = env.RequiredString("PARTA_ESIA_CLIENT_ID");
    esia.redirect_uri = env.RequiredString("PARTA_ESIA_REDIRECT_URI");
    esia.scope = env.String("PARTA_ESIA_SCOPE", esia.scope);
    esia.issuer = env.RequiredString("PARTA_ESIA_ISSUER");
    esia.key_file = env.RequiredString("PARTA_ESIA_KEY_FILE");
    esia.certificate_file = env.RequiredString("PARTA_ESIA_CERT_FILE");
    esia.provider_certificate_file = env.RequiredString("PARTA_ESIA_PROVIDER_CERT_FILE");
    esia.clock_skew = env.Duration("PARTA_ESIA_CLOCK_SKEW", esia.clock_skew);
    esia.timeout = env.Duration("PARTA_ESIA_TIMEOUT", esia.timeout);
    esia.allow_plain_http = env.Bool("PARTA_ESIA_ALLOW_PLAIN_HTTP", false);
    esia.ca_file = env.String("PARTA_ESIA_CA_FILE", "");
    config.esia = std::move(esia);
  }
  PasswordResetPolicy& reset = identity.password_reset;
  reset.code_ttl = env.Duration("PARTA_IDENTITY_RESET_CODE_TTL", reset.code_ttl);
  reset.min_interval = env.Duration("PARTA_IDENTITY_RESET_MIN_INTERVAL", reset.min_interval);
  reset.per_window =
      static_cast<int>(env.Int("PARTA_IDENTITY_RESET_PER_HOUR", reset.per_window, 1, 1000));
  reset.address_burst = static_cast<double>(
      env.Int("PARTA_IDENTITY_RESET_ADDRESS_BURST", 30, 1, 1'000'000));
  identity.audit_retention =
      env.Duration("PARTA_IDENTITY_AUDIT_RETENTION", identity.audit_retention);
  config.message_poll_interval =
      env.Duration("PARTA_IDENTITY_MESSAGE_POLL_INTERVAL", config.message_poll_interval);
  identity.erasure_grace = env.Duration("PARTA_IDENTITY_ERASURE_GRACE", identity.erasure_grace);
  config.erasure_poll_interval =
      env.Duration("PARTA_IDENTITY_ERASURE_POLL_INTERVAL", config.erasure_poll_interval);
  std::string smtp_password_file;
  if (std::string url = env.String("PARTA_SMTP_URL", ""); !url.empty()) {
    SmtpSettings smtp;
    smtp.url = std::move(url);
    smtp.from = env.RequiredString("PARTA_SMTP_FROM");
    smtp.from_name = env.String("PARTA_SMTP_FROM_NAME", smtp.from_name);
    smtp.username = env.String("PARTA_SMTP_USERNAME", "");
    smtp_password_file = env.String("PARTA_SMTP_PASSWORD_FILE", "");
    smtp.ca_file = env.String("PARTA_SMTP_CA_FILE", "");
    smtp.allow_plain = env.Bool("PARTA_SMTP_ALLOW_PLAIN", false);
    smtp.timeout = env.Duration("PARTA_SMTP_TIMEOUT", smtp.timeout);
    config.smtp = std::move(smtp);
  }
  if (std::string provider = env.String("PARTA_SMS_PROVIDER", ""); provider == "file") {
    config.sms_file = env.RequiredString("PARTA_SMS_FILE");
  } else if (!provider.empty()) {
    return InvalidArgument("SMS_CONFIG",
                           "PARTA_SMS_PROVIDER is `file` (development) or not set (no SMS)");
  }
  RETURN_IF_ERROR(env.Validate());
  if (!smtp_password_file.empty()) {
    std::ifstream in(smtp_password_file);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) {
      return InvalidArgument("SMTP_CONFIG", "cannot read PARTA_SMTP_PASSWORD_FILE");
    }
    config.smtp->password = std::string(absl::StripTrailingAsciiWhitespace(text.str()));
  }
  ASSIGN_OR_RETURN(config.trusted_proxies, grpc::TrustedProxiesFromEnvironment(env));
  ASSIGN_OR_RETURN(config.master_key, MasterKey::FromFile(key_file));
  return config;
}

struct IdentityApp::Parts {
  std::unique_ptr<ServiceHost> host;  // before the service's parts: destroyed after them
  std::unique_ptr<MasterKey> master_key;
  std::unique_ptr<PgIdentityStore> store;
  std::unique_ptr<PgKeyStore> key_store;
  std::unique_ptr<PgSessionRevocations> revocations;
  std::unique_ptr<EventPublisher> publisher;
  std::unique_ptr<KeyRing> key_ring;
  std::unique_ptr<RefreshTokenCodec> refresh_tokens;
  std::unique_ptr<auth::PasswordHasher> hasher;
  std::unique_ptr<esia::EsiaClient> esia;
  std::unique_ptr<SmtpSender> email;
  std::unique_ptr<SmsFileSender> sms;
  std::unique_ptr<MessageDelivery> delivery;
  std::unique_ptr<Identity> identity;
  std::unique_ptr<PasswordQueue> passwords;
  std::unique_ptr<IdentityGrpcService> service;
};

std::string DefaultMigrationsDir() { return PARTA_IDENTITY_MIGRATIONS_DIR; }

absl::Status MigrateIdentity(const std::string& pg_uri, const std::string& migrations_dir) {
  return pg::MigrateDatabase(pg_uri, migrations_dir);
}

absl::StatusOr<std::unique_ptr<IdentityApp>> IdentityApp::Start(const IdentityConfig& config,
                                                                const Clock& clock) {
  if (!config.master_key) {
    return Error(absl::StatusCode::kFailedPrecondition, "MASTER_KEY_MISSING",
                 "the identity service needs a master key");
  }
  auto parts = std::make_unique<Parts>();
  ASSIGN_OR_RETURN(parts->host, ServiceHost::Start(config, clock,
                                                   {.name = "identity",
                                                    .services = {"parta.identity.v1.IdentityService"},
                                                    .extra_redis_connections = 2}));
  ServiceHost& host = *parts->host;
  parts->master_key = std::make_unique<MasterKey>(*config.master_key);
  parts->store = std::make_unique<PgIdentityStore>(host.pool(), *parts->master_key);
  parts->key_store = std::make_unique<PgKeyStore>(host.pool(), *parts->master_key);
  parts->revocations = std::make_unique<PgSessionRevocations>(host.pool());
  parts->publisher = std::make_unique<EventPublisher>(
      host.redis(), config.events_key, config.identity.access_token_ttl + absl::Minutes(1));
  EventPublisher* publisher = parts->publisher.get();
  host.RelayOutbox([publisher](const Event& event) { return publisher->Publish(event); });
  parts->key_ring = std::make_unique<KeyRing>(*parts->key_store, clock, host.ids(), config.keys);
  RETURN_IF_ERROR(parts->key_ring->Maintain());
  KeyRing* key_ring = parts->key_ring.get();
  host.Every("key-upkeep", config.key_check_interval, [key_ring] {
    if (absl::Status status = key_ring->Maintain(); !status.ok()) {
      log::Error("signing key upkeep failed").With("error", status.ToString());
    }
  });
  parts->refresh_tokens =
      std::make_unique<RefreshTokenCodec>(parts->master_key->DeriveSubkey(kRefreshChainPurpose));
  parts->hasher = std::make_unique<auth::PasswordHasher>(config.hashing);
  if (config.esia) {
    ASSIGN_OR_RETURN(parts->esia, esia::EsiaClient::Open(*config.esia));
  }
  IdentitySettings settings = config.identity;
  if (config.smtp) {
    ASSIGN_OR_RETURN(parts->email, SmtpSender::Create(*config.smtp));
    settings.password_reset.email = true;
  }
  if (!config.sms_file.empty()) {
    ASSIGN_OR_RETURN(parts->sms, SmsFileSender::Create(config.sms_file));
    settings.password_reset.sms = true;
  }
  parts->delivery = std::make_unique<MessageDelivery>(*parts->store, parts->email.get(),
                                                      parts->sms.get(), clock);
  MessageDelivery* delivery = parts->delivery.get();
  host.Every("deliver-messages", config.message_poll_interval, [delivery] {
    if (absl::StatusOr<int> sent = delivery->DeliverDue(); !sent.ok()) {
      log::Warning("message delivery failed").With("error", sent.status().ToString());
    }
  });
  parts->identity = std::make_unique<Identity>(*parts->store, *parts->hasher, *parts->key_ring,
                                               *parts->refresh_tokens, clock, host.ids(),
                                               std::move(settings), parts->esia.get());
  Identity* identity = parts->identity.get();
  host.Every("purge-identity", config.purge_interval, [identity] {
    if (absl::StatusOr<int64_t> rows = identity->PurgeExpired(); !rows.ok()) {
      log::Warning("purge failed").With("identity", rows.status().ToString());
    }
  });
  host.Every("finish-erasures", config.erasure_poll_interval, [identity] {
    if (absl::StatusOr<int> erased = identity->FinishDueErasures(); !erased.ok()) {
      log::Warning("erasures not finished").With("error", erased.status().ToString());
    }
  });
  host.CheckTokens(
      parts->key_ring.get(), parts->revocations.get(),
      auth::TokenVerifier::Options{
          .verify = {.issuer = config.identity.issuer, .audience = config.identity.audience},
          // Keys live in this process: a fresh copy is cheap and never stale for long.
          .key_refresh_interval = config.key_check_interval,
          .min_refetch_interval = absl::Seconds(1)});
  // Each password call waits for the hasher on its thread: twice the hashing threads keep the
  // hasher busy (its own queue holds that many) while the queue's clock admits the rest.
  // Until the queue has been busy, a call costs it what a hash takes now over the hashing
  // threads, with a quarter more for its database work.
  const absl::Time before = absl::Now();
  (void)parts->hasher->Hash("a first hash to know its cost");
  const absl::Duration hash_cost = absl::Now() - before;
  parts->passwords = std::make_unique<PasswordQueue>(PasswordQueue::Options{
      .threads = 2 * config.hashing.threads,
      .max_wait = config.password_max_wait,
      .initial_slot = hash_cost * 1.25 / static_cast<double>(config.hashing.threads)});
  parts->service = std::make_unique<IdentityGrpcService>(*parts->identity, *parts->key_ring,
                                                         host.runtime(), *parts->passwords);
  auth::PasswordHasher* hasher = parts->hasher.get();
  PasswordQueue* passwords = parts->passwords.get();
  host.OnShutdown([hasher] { hasher->Stop(); });
  host.OnShutdown([passwords] { passwords->Stop(); });  // runs first: before the hasher stops
  RETURN_IF_ERROR(host.Serve({parts->service.get()}));
  return std::unique_ptr<IdentityApp>(new IdentityApp(std::move(parts)));
}

IdentityApp::IdentityApp(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

IdentityApp::~IdentityApp() { Shutdown(absl::ZeroDuration()); }

int IdentityApp::grpc_port() const { return parts_->host->grpc_port(); }

int IdentityApp::metrics_port() const { return parts_->host->metrics_port(); }

KeyRing& IdentityApp::key_ring() { return *parts_->key_ring; }

absl::Status IdentityApp::RelayEvents() { return parts_->host->relay().RelayOnce().status(); }

absl::StatusOr<int> IdentityApp::DeliverMessages() { return parts_->delivery->DeliverDue(); }

absl::StatusOr<int64_t> IdentityApp::PurgeExpired() { return parts_->identity->PurgeExpired(); }

absl::StatusOr<int> IdentityApp::FinishErasures() { return parts_->identity->FinishDueErasures(); }

void IdentityApp::Shutdown(absl::Duration grace) { parts_->host->Shutdown(grace); }

}  // namespace parta::identity
