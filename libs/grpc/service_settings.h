#pragma once

// The settings every gRPC service with a database reads from the same PARTA_* variables:
// database, Redis, identity's address, listen addresses, token checks, the outbox, workers and
// trusted proxies. A service's own configuration extends them with what only it has.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "libs/auth/token.h"
#include "libs/core/config.h"

namespace parta::grpc {

struct ServiceSettings {
  std::string pg_uri;            // PARTA_PG_URI (required)
  int pg_pool_size = 10;         // PARTA_PG_POOL_SIZE
  std::string redis_uri;         // PARTA_REDIS_URI (required)
  std::string identity_address;  // PARTA_IDENTITY_ADDR (required): signing keys, service tokens
  std::string grpc_listen;       // PARTA_GRPC_LISTEN
  std::string port_file;         // PARTA_GRPC_PORT_FILE
  std::string metrics_listen;    // PARTA_METRICS_LISTEN; empty or "off": no metrics endpoint
  std::string migrations_dir;    // PARTA_MIGRATIONS_DIR
  auth::VerifyOptions verify{.issuer = "parta-identity", .audience = "parta"};
  absl::Duration revocation_cache_ttl = absl::Seconds(5);
  // The relay publishes at once after each commit; this poll is the safety net (a crash between
  // commit and publish, another replica's commits).
  absl::Duration outbox_poll_interval = absl::Milliseconds(100);
  absl::Duration outbox_retention = absl::Hours(24);
  absl::Duration purge_interval = absl::Minutes(10);
  int worker_threads = 8;  // PARTA_WORKER_THREADS, 4 per core by default
  int worker_queue = 4096;
  std::vector<std::string> trusted_proxies;  // PARTA_TRUSTED_PROXIES
};

// Reads the common variables over the defaults already in `settings` (a service sets its own
// listen addresses and retention first). The connection pool defaults to the workers plus
// `extra_connections` (the service's own background work). Errors are collected in `env`.
absl::Status ReadServiceSettings(Config& env, const std::string& default_migrations_dir,
                                 int extra_connections, ServiceSettings& settings);

}  // namespace parta::grpc
