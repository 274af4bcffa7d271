#pragma once

// The directory service assembled from its parts, in dependency order. main.cc builds it from
// the environment; api and integration tests build it from a config of their own.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/auth/token.h"
#include "libs/auth/token_verifier.h"
#include "libs/core/clock.h"
#include "libs/core/config.h"
#include "libs/grpc/service_settings.h"
#include "services/directory/domain/directory.h"

namespace parta::directory {

// The common settings (grpc::ServiceSettings) and the directory's own.
struct DirectoryConfig : grpc::ServiceSettings {
  DirectoryConfig() {
    grpc_listen = "127.0.0.1:7102";
    metrics_listen = "127.0.0.1:9102";
    outbox_retention = absl::Hours(24 * 7);
  }
  // The directory's API client at identity (`create-service-client directory`); empty: roster
  // imports, login codes and confirmations answer IDENTITY_CLIENT_NOT_CONFIGURED.
  std::string identity_client_id;
  std::string identity_client_secret;
  std::string events_key = "parta:events:directory";
  // Identity's event stream (account locks and erasures), followed with the client above.
  std::string identity_events_key = "parta:events:identity";
  absl::Duration permission_cache_ttl = absl::Seconds(60);
  DirectorySettings directory;
};

// Reads PARTA_* variables (documented in the service's README).
absl::StatusOr<DirectoryConfig> DirectoryConfigFromEnvironment(Config& env);

class DirectoryApp {
 public:
  // Connects, serves. `keys` supplies the token signing keys (identity's JWKS when null);
  // `clock` must outlive the app.
  static absl::StatusOr<std::unique_ptr<DirectoryApp>> Start(
      const DirectoryConfig& config, const Clock& clock,
      std::unique_ptr<auth::KeySource> keys = nullptr);
  ~DirectoryApp();

  int grpc_port() const;
  // Graceful drain: calls in flight finish within `grace`, background work stops.
  void Shutdown(absl::Duration grace);

  // Publishes pending outbox events now instead of at the next poll (tests).
  absl::Status RelayEvents();

 private:
  struct Parts;
  explicit DirectoryApp(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

// Applies the service's migrations (the `migrate` command). Needs only the database.
absl::Status MigrateDirectory(const std::string& pg_uri, const std::string& migrations_dir);

// Where the migrations are when PARTA_MIGRATIONS_DIR is not set (the source tree's folder).
std::string DefaultMigrationsDir();

}  // namespace parta::directory
