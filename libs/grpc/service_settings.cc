#include "libs/grpc/service_settings.h"

#include <algorithm>
#include <thread>

#include "libs/core/status.h"
#include "libs/grpc/call.h"

namespace parta::grpc {

absl::Status ReadServiceSettings(Config& env, const std::string& default_migrations_dir,
                                 int extra_connections, ServiceSettings& settings) {
  settings.pg_uri = env.RequiredString("PARTA_PG_URI");
  settings.redis_uri = env.RequiredString("PARTA_REDIS_URI");
  settings.identity_address = env.RequiredString("PARTA_IDENTITY_ADDR");
  settings.grpc_listen = env.String("PARTA_GRPC_LISTEN", settings.grpc_listen);
  settings.port_file = env.String("PARTA_GRPC_PORT_FILE", "");
  settings.metrics_listen = env.String("PARTA_METRICS_LISTEN", settings.metrics_listen);
  if (settings.metrics_listen == "off") settings.metrics_listen.clear();
  settings.migrations_dir = env.String("PARTA_MIGRATIONS_DIR", default_migrations_dir);
  settings.verify.issuer = env.String("PARTA_AUTH_ISSUER", settings.verify.issuer);
  settings.verify.audience = env.String("PARTA_AUTH_AUDIENCE", settings.verify.audience);
  settings.revocation_cache_ttl =
      env.Duration("PARTA_REVOCATION_CACHE_TTL", settings.revocation_cache_ttl);
  settings.outbox_poll_interval =
      env.Duration("PARTA_OUTBOX_POLL_INTERVAL", settings.outbox_poll_interval);
  settings.outbox_retention = env.Duration("PARTA_OUTBOX_RETENTION", settings.outbox_retention);
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  settings.worker_threads = static_cast<int>(env.Int("PARTA_WORKER_THREADS", 4 * cores, 1, 1024));
  settings.pg_pool_size = static_cast<int>(
      env.Int("PARTA_PG_POOL_SIZE", settings.worker_threads + extra_connections, 1, 500));
  settings.worker_queue = static_cast<int>(env.Int("PARTA_WORKER_QUEUE", 4096, 1, 1000000));
  ASSIGN_OR_RETURN(settings.trusted_proxies, TrustedProxiesFromEnvironment(env));
  return absl::OkStatus();
}

}  // namespace parta::grpc
