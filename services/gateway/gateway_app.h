#pragma once

// The gateway assembled from its parts: routes from the linked protos, channels to the
// backends, the token verifier (keys from identity, revocations from Redis), the REST handler
// and the HTTP server. main.cc builds it from the environment; tests from a config of their own.

#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "libs/auth/token.h"
#include "libs/core/config.h"
#include "services/gateway/events/events_handler.h"
#include "services/gateway/files/file_transfers.h"
#include "services/gateway/http/http_server.h"
#include "services/gateway/limits/rate_limiter.h"
#include "services/gateway/rest/rest_handler.h"

namespace parta::gateway {

struct GatewayConfig {
  HttpServerOptions http;
  std::string port_file;                          // the HTTP port is written here when set
  std::string metrics_listen = "127.0.0.1:9100";  // empty: no metrics endpoint
  std::string redis_uri;                          // revoked sessions
  // Backend short name ("identity") → gRPC target. Identity is required (it signs the tokens).
  absl::flat_hash_map<std::string, std::string> backends;
  RestOptions rest;
  EventsOptions events;
  // The file transfers (tus uploads, downloads): served when a `content` backend is configured.
  // The deadline, proxies, CORS origins and access log come from `rest`.
  int64_t max_file_bytes = int64_t{2} << 30;
  // Content's blob folder when this gateway sees it (same machine or a shared volume): downloads
  // read files there instead of through ReadContent. Empty: always through content.
  std::string content_store_dir;
  bool rate_limits_enabled = true;
  RateLimits rate_limits;
  // How often /readyz's answer is recomputed (off the I/O threads: it talks to Redis and identity).
  absl::Duration readiness_interval = absl::Seconds(2);
  // How long a socket's presence lasts without a heartbeat.
  absl::Duration presence_ttl = absl::Seconds(60);
  auth::VerifyOptions verify{.issuer = "parta-identity", .audience = "parta"};
  // How long a "not revoked" answer from Redis is reused; revocations reach sockets at once.
  absl::Duration revocation_cache_ttl = absl::Seconds(1);
  int auth_threads = 2;
  int auth_queue = 4096;
};

// Reads PARTA_* variables (documented in the service's README).
absl::StatusOr<GatewayConfig> GatewayConfigFromEnvironment(Config& env);

class GatewayApp {
 public:
  static absl::StatusOr<std::unique_ptr<GatewayApp>> Start(const GatewayConfig& config);
  ~GatewayApp();

  int http_port() const;
  int metrics_port() const;
  // Open WebSockets (tests, readiness).
  size_t open_websockets() const;
  // Pushes the rate limits' pending spending to Redis now and learns the shared totals
  // (tests; normally every PARTA_RATE_LIMIT_SYNC). Nothing when limits are off.
  void SyncRateLimits();

  // Stops accepting, finishes requests in flight, closes sockets with "going away"; after
  // `grace` cuts the rest. Idempotent.
  void Shutdown(absl::Duration grace);

 private:
  struct Parts;
  explicit GatewayApp(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace parta::gateway
