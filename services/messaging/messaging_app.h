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
#include "libs/grpc/service_settings.h"
#include "services/messaging/chats/messages.h"

namespace parta::messaging {

// The common settings (grpc::ServiceSettings) and messaging's own.
struct MessagingConfig : grpc::ServiceSettings {
  MessagingConfig() {
    grpc_listen = "127.0.0.1:7103";
    metrics_listen = "127.0.0.1:9103";
    pg_pool_size = 16;
    // Instructions to gateways ("user/…" streams) are dropped this long after publishing;
    // chats' logs are kept.
    outbox_retention = absl::Hours(24);
  }
  std::string directory_address;  // ListEvents, to catch up on the roster
  // The content service, which checks a message's attachments (DescribeAttachments); empty:
  // none, and messages with attachments are refused (`CONTENT_SERVICE_UNAVAILABLE`).
  std::string content_address;
  // The service's API client at identity (`create-service-client messaging`), for the directory's
  // ListEvents; without it the roster follows Redis only and cannot fill gaps.
  std::string identity_client_id;
  std::string identity_client_secret;
  std::string directory_events_key = "parta:events:directory";
  // Identity's event stream: erasures of people (followed with the client above).
  std::string identity_events_key = "parta:events:identity";
  // Redis down: sessions confirmed within this long keep writing (their sends commit and are
  // delivered when Redis is back).
  absl::Duration revocation_outage_grace = absl::Minutes(2);
  MessagingSettings messaging;
  // Threads writing batches of sends, each in one transaction (commit batching).
  int send_writers = 4;
  // Sends waiting for a writer at most; more are refused with RESOURCE_EXHAUSTED and a retry
  // delay instead of queueing without bound.
  int send_queue_limit = 4096;
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
