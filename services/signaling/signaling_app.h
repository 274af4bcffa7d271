#pragma once

// The signaling service assembled from its parts, in dependency order. main.cc builds it from
// the environment; api and integration tests build it from a config of their own.

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "libs/auth/token_verifier.h"
#include "libs/core/clock.h"
#include "libs/core/config.h"
#include "libs/grpc/service_settings.h"
#include "services/signaling/calls/calls.h"
#include "services/signaling/ice/ice_servers.h"
#include "services/signaling/sfu/janus_media.h"

namespace parta::signaling {

// The common settings (grpc::ServiceSettings) and signaling's own.
struct SignalingConfig : grpc::ServiceSettings {
  SignalingConfig() {
    grpc_listen = "127.0.0.1:7104";
    metrics_listen = "127.0.0.1:9104";
    pg_pool_size = 16;
  }
  std::string messaging_address;  // the calls' chats
  std::string directory_address;  // the calls' schools: admins, time zones
  // The service's API client at identity (`create-service-client signaling`), for the chats'
  // notices and people's names in attendance exports.
  std::string identity_client_id;
  std::string identity_client_secret;
  CallSettings calls;
  IceSettings ice;
  // The Janus instances of SFU calls (none: such calls are refused with NO_MEDIA_SERVER). Their
  // rooms take at most `calls.sfu_capacity` publishers.
  JanusSettings janus;
  // Every participant's heartbeat deadline, as "<call id>/<user id>" scored by Unix
  // milliseconds: one sorted set for the instances of a deployment.
  std::string heartbeats_key = "parta:calls:heartbeats";
  // How often vanished participants are looked for.
  absl::Duration sweep_interval = absl::Seconds(1);
};

// Reads PARTA_* variables (documented in the service's README).
absl::StatusOr<SignalingConfig> SignalingConfigFromEnvironment(Config& env);

class SignalingApp {
 public:
  using TokenSource = std::function<absl::StatusOr<std::string>()>;

  // Connects and serves. `keys` supplies the token signing keys (identity's JWKS when null);
  // `service_tokens` the service's own token for messaging (client credentials at identity
  // when null). `clock` must outlive the app.
  static absl::StatusOr<std::unique_ptr<SignalingApp>> Start(
      const SignalingConfig& config, const Clock& clock,
      std::unique_ptr<auth::KeySource> keys = nullptr, TokenSource service_tokens = nullptr);
  ~SignalingApp();

  int grpc_port() const;
  // Graceful drain: calls in flight finish within `grace`, background work stops.
  void Shutdown(absl::Duration grace);

 private:
  struct Parts;
  explicit SignalingApp(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

// Applies the service's migrations (the `migrate` command). Needs only the database.
absl::Status MigrateSignaling(const std::string& pg_uri, const std::string& migrations_dir);

// Where the migrations are when PARTA_MIGRATIONS_DIR is not set (the source tree's folder).
std::string DefaultMigrationsDir();

}  // namespace parta::signaling
