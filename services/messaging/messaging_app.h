#pragma once

// The messaging service assembled from its parts, in dependency order. main.cc builds it from
// the environment; api and integration tests build it from a config of their own.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/auth/token.h"
#include "libs/auth/token_verifier.h"
#include "libs/core/clock.h"
#include "libs/core/config.h"
#include "services/messaging/chats/messages.h"

namespace parta::messaging {

struct MessagingConfig {
  std::string pg_uri;
  int pg_pool_size = 16;
  std::string redis_uri;
  std::string identity_address;   // signing keys (JWKS) and the service's own token
  std::string directory_address;  // ListEvents, to catch up on the roster
  // The service's API client at identity (scope parta.internal), for the directory's
  // ListEvents; without it the roster follows Redis only and cannot fill gaps.
  std::string identity_client_id;
  std::string identity_client_secret;
  std::string directory_events_key = "parta:events:directory";
  std::string grpc_listen = "127.0.0.1:7103";
  std::string port_file;
  std::string metrics_listen = "127.0.0.1:9103";  // empty: no metrics endpoint
  std::string migrations_dir;
  auth::VerifyOptions verify{.issuer = "parta-identity", .audience = "parta"};
  absl::Duration revocation_cache_ttl = absl::Seconds(5);
  // Redis down: sessions confirmed within this long keep writing (their sends commit and are
  // delivered when Redis is back).
  absl::Duration revocation_outage_grace = absl::Minutes(2);
  // The relay publishes at once after each commit; this poll is the safety net (a crash between
  // commit and publish, another replica's commits).
  absl::Duration outbox_poll_interval = absl::Milliseconds(100);
  // Instructions to gateways ("user/…" streams) are dropped this long after publishing; chats'
  // logs are kept.
  absl::Duration outbox_retention = absl::Hours(24);
  absl::Duration purge_interval = absl::Minutes(10);
  MessagingSettings messaging;
  int worker_threads = 8;
  // Threads writing batches of sends, each in one transaction (commit batching).
  int send_writers = 4;
  int worker_queue = 4096;
  std::vector<std::string> trusted_proxies;
};

// Reads PARTA_* variables (documented in the service's README).
absl::StatusOr<MessagingConfig> MessagingConfigFromEnvironment(Config& env);

class MessagingApp {
 public:
  using TokenSource = std::function<absl::StatusOr<std::string>()>;

  // Connects, follows the directory, serves. `keys` supplies the token signing keys
  // (identity's JWKS when null); `service_tokens` the service's own token for the directory
  // (client credentials at identity when null). `clock` must outlive the app.
  static absl::StatusOr<std::unique_ptr<MessagingApp>> Start(
      const MessagingConfig& config, const Clock& clock,
      std::unique_ptr<auth::KeySource> keys = nullptr, TokenSource service_tokens = nullptr);
  ~MessagingApp();

  int grpc_port() const;
  // Graceful drain: calls in flight finish within `grace`, background work stops.
  void Shutdown(absl::Duration grace);

 private:
  struct Parts;
  explicit MessagingApp(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

// Applies the service's migrations (the `migrate` command). Needs only the database.
absl::Status MigrateMessaging(const std::string& pg_uri, const std::string& migrations_dir);

// Where the migrations are when PARTA_MIGRATIONS_DIR is not set (the source tree's folder).
std::string DefaultMigrationsDir();

}  // namespace parta::messaging
