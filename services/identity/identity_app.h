#pragma once

// The identity service assembled from its parts, in dependency order. main.cc builds it from
// the environment; api and integration tests build it from a config of their own.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/auth/password_hasher.h"
#include "libs/core/config.h"
#include "libs/core/clock.h"
#include "libs/grpc/server.h"
#include "libs/grpc/service_settings.h"
#include "services/identity/adapters/master_key.h"
#include "services/identity/domain/identity.h"
#include "services/identity/domain/key_ring.h"

#include "services/identity/adapters/smtp_sender.h"
#include "services/identity/esia/esia_client.h"

namespace parta::identity {

// The settings every service with a database shares (grpc::ServiceSettings; identity reads
// them itself: it needs no identity address, and its tokens are checked against its own keys)
// and identity's own.
struct IdentityConfig : grpc::ServiceSettings {
  IdentityConfig() {
    grpc_listen = "127.0.0.1:7101";
    metrics_listen = "127.0.0.1:9101";
    outbox_retention = absl::Hours(24 * 7);
    worker_queue = 1024;
  }
  std::string events_key = "parta:events:identity";  // Redis stream of identity's events
  std::optional<MasterKey> master_key;  // required
  IdentitySettings identity;
  KeyRotationPolicy keys;
  absl::Duration key_check_interval = absl::Minutes(1);
  auth::PasswordHasher::Options hashing;
  // How long password work (sign-ins) may queue before a call is told to come back later.
  absl::Duration password_max_wait = absl::Seconds(6);
  // The ESIA provider, when PARTA_ESIA_URL names one (sign-in through Госуслуги).
  std::optional<esia::EsiaSettings> esia;
  // The SMTP relay for e-mail to people (reset codes), when PARTA_SMTP_URL names one.
  std::optional<SmtpSettings> smtp;
  // The development SMS provider's file, when PARTA_SMS_PROVIDER is `file`.
  std::string sms_file;
  // How often messages waiting to be sent are looked for.
  absl::Duration message_poll_interval = absl::Seconds(1);
  // How often erasures whose grace period ended are looked for.
  absl::Duration erasure_poll_interval = absl::Minutes(1);
};

// Reads PARTA_* variables (documented in the service's README).
absl::StatusOr<IdentityConfig> IdentityConfigFromEnvironment(Config& config);

class IdentityApp {
 public:
  // Connects, checks the schema is migrated, prepares keys, serves. `clock` must outlive the app.
  static absl::StatusOr<std::unique_ptr<IdentityApp>> Start(const IdentityConfig& config,
                                                            const Clock& clock);
  ~IdentityApp();

  int grpc_port() const;
  int metrics_port() const;
  // Graceful drain: health NOT_SERVING, calls in flight finish within `grace`, workers stop.
  void Shutdown(absl::Duration grace);

  KeyRing& key_ring();
  // Publishes pending outbox events now instead of at the next poll (tests).
  absl::Status RelayEvents();
  // Sends the messages due now instead of at the next poll (tests); how many were sent.
  absl::StatusOr<int> DeliverMessages();
  // Runs the periodic purge of expired rows now (tests).
  absl::StatusOr<int64_t> PurgeExpired();
  // Carries out the erasures that are due now instead of at the next poll (tests).
  absl::StatusOr<int> FinishErasures();

 private:
  struct Parts;
  explicit IdentityApp(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

// Applies the service's migrations (the `migrate` command). Needs only the database.
absl::Status MigrateIdentity(const std::string& pg_uri, const std::string& migrations_dir);
inline absl::Status MigrateIdentity(const IdentityConfig& config) {
  return MigrateIdentity(config.pg_uri, config.migrations_dir);
}

// Where the migrations are when PARTA_MIGRATIONS_DIR is not set (the source tree's folder).
std::string DefaultMigrationsDir();

}  // namespace parta::identity
