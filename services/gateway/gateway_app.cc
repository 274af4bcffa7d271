#include "services/gateway/gateway_app.h"

#include <prometheus/registry.h>

#include <fstream>
#include <sstream>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "libs/auth/revoked_sessions.h"
#include "libs/core/clock.h"
#include "libs/core/executor.h"
#include "libs/core/log.h"
#include "libs/core/periodic.h"
#include "libs/core/port_file.h"
#include "libs/core/status.h"
#include "libs/grpc/call.h"
#include "libs/identity_client/key_source.h"
#include "libs/metrics/metrics.h"
#include "libs/redis/client.h"
#include "services/gateway/auth/authenticator.h"
#include "services/gateway/events/presence_api.h"
#include "services/gateway/gateway_metrics.h"
#include "services/gateway/linked_services.h"
#include "services/gateway/openapi/openapi_document.h"
#include "services/gateway/rest/backends.h"
#include "services/gateway/routing/route_table.h"

namespace parta::gateway {
namespace {

absl::Status SplitListen(const std::string& listen, HttpServerOptions& http) {
  const size_t colon = listen.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(listen.substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        "invalid configuration: PARTA_HTTP_LISTEN must be host:port, got " + listen);
  }
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  http.listen_address = host;
  http.port = port;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<GatewayConfig> GatewayConfigFromEnvironment(Config& env) {
  GatewayConfig config;
  const std::string listen = env.String("PARTA_HTTP_LISTEN", "127.0.0.1:8088");
  config.port_file = env.String("PARTA_HTTP_PORT_FILE", "");
  config.metrics_listen = env.String("PARTA_METRICS_LISTEN", config.metrics_listen);
  config.redis_uri = env.RequiredString("PARTA_REDIS_URI");
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  config.http.threads = static_cast<int>(env.Int("PARTA_GATEWAY_THREADS", cores, 1, 256));
  config.http.max_header_bytes =
      static_cast<size_t>(env.Int("PARTA_HTTP_MAX_HEADER_BYTES", 16 * 1024, 1024, 1 << 20));
  config.http.max_header_count =
      static_cast<size_t>(env.Int("PARTA_HTTP_MAX_HEADERS", 64, 8, 1000));
  config.http.max_body_bytes =
      static_cast<size_t>(env.Int("PARTA_HTTP_MAX_BODY_BYTES", 1 << 20, 1024, 64 << 20));
  config.http.read_timeout = env.Duration("PARTA_HTTP_READ_TIMEOUT", config.http.read_timeout);
  config.http.write_timeout = env.Duration("PARTA_HTTP_WRITE_TIMEOUT", config.http.write_timeout);
  config.rest.backend_timeout = env.Duration("PARTA_BACKEND_TIMEOUT", config.rest.backend_timeout);
  config.rest.access_log = env.Bool("PARTA_ACCESS_LOG", true);
  config.max_file_bytes =
      env.Int("PARTA_MAX_FILE_BYTES", config.max_file_bytes, 1, int64_t{1} << 50);
  config.content_store_dir = env.String("PARTA_GATEWAY_CONTENT_STORE_DIR", "");
  if (std::string demo = env.String("PARTA_GATEWAY_DEMO_DIR", ""); !demo.empty()) {
    for (const char* name : {"call.html", "call.js"}) {
      std::ifstream in(demo + "/" + name);
      std::stringstream content;
      content << in.rdbuf();
      if (!in || content.str().empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "invalid configuration: PARTA_GATEWAY_DEMO_DIR has no readable ", name));
      }
      config.rest.demo_files[name] = content.str();
    }
  }
  config.rest.cors_origins =
      absl::StrSplit(env.String("PARTA_CORS_ORIGINS", ""), ',', absl::SkipWhitespace());
  config.verify.issuer = env.String("PARTA_AUTH_ISSUER", config.verify.issuer);
  config.verify.audience = env.String("PARTA_AUTH_AUDIENCE", config.verify.audience);
  config.auth_threads = static_cast<int>(env.Int("PARTA_GATEWAY_AUTH_THREADS", 2, 1, 64));
  config.revocation_cache_ttl =
      env.Duration("PARTA_REVOCATION_CACHE_TTL", config.revocation_cache_ttl);
  config.events.subscription_backends =
      absl::StrSplit(env.String("PARTA_SUBSCRIPTION_BACKENDS", ""), ',', absl::SkipWhitespace());
  config.events.signal_backend = env.String("PARTA_SIGNAL_BACKEND", "");
  config.http.websocket.ping_interval =
      env.Duration("PARTA_WS_PING_INTERVAL", config.http.websocket.ping_interval);
  config.http.websocket.max_queued_bytes = static_cast<size_t>(
      env.Int("PARTA_WS_MAX_QUEUED_BYTES",
              static_cast<int64_t>(config.http.websocket.max_queued_bytes), 4096, 1 << 30));
  config.http.websocket.max_message_bytes = static_cast<size_t>(
      env.Int("PARTA_WS_MAX_MESSAGE_BYTES",
              static_cast<int64_t>(config.http.websocket.max_message_bytes), 256, 16 << 20));
  config.events.auth_timeout = env.Duration("PARTA_WS_AUTH_TIMEOUT", config.events.auth_timeout);
  config.presence_ttl = env.Duration("PARTA_PRESENCE_TTL", config.presence_ttl);
  config.readiness_interval = env.Duration("PARTA_READINESS_INTERVAL", config.readiness_interval);
  config.rate_limits_enabled = env.Bool("PARTA_RATE_LIMITS_ENABLED", true);
  const std::string rate_limits = env.String("PARTA_RATE_LIMITS", "");
  config.rate_limits.window = env.Duration("PARTA_RATE_LIMIT_WINDOW", config.rate_limits.window);
  for (const google::protobuf::ServiceDescriptor* service : LinkedServices()) {
    const std::string backend = BackendOf(*service);
    if (backend == kLocalBackend) continue;
    const std::string target =
        env.String(absl::StrCat("PARTA_", absl::AsciiStrToUpper(backend), "_ADDR"), "");
    if (!target.empty()) config.backends[backend] = target;
  }
  RETURN_IF_ERROR(env.Validate());
  RETURN_IF_ERROR(SplitListen(listen, config.http));
  ASSIGN_OR_RETURN(config.rate_limits, ParseRateLimits(rate_limits, config.rate_limits));
  if (!config.backends.contains("identity")) {
    return absl::InvalidArgumentError("invalid configuration: PARTA_IDENTITY_ADDR is required");
  }
  ASSIGN_OR_RETURN(config.rest.trusted_proxies, grpc::TrustedProxiesFromEnvironment(env));
  return config;
}

struct GatewayApp::Parts {
  SystemClock clock;
  std::unique_ptr<RouteTable> routes;
  std::unique_ptr<Backends> backends;
  std::unique_ptr<redis::Pool> redis;
  std::unique_ptr<auth::RedisRevocationList> revocations;
  std::unique_ptr<identity_client::IdentityKeySource> keys;
  std::unique_ptr<auth::TokenVerifier> verifier;
  std::unique_ptr<BoundedExecutor> auth_pool;
  std::unique_ptr<Authenticator> authenticator;
  std::shared_ptr<prometheus::Registry> registry;
  std::unique_ptr<GatewayMetrics> metrics;
  std::unique_ptr<metrics::MetricsServer> metrics_server;
  std::unique_ptr<BoundedExecutor> worker;  // blocking Redis work of sockets and presence
  std::unique_ptr<PresenceStore> presence;
  std::unique_ptr<PresenceApi> presence_api;
  std::unique_ptr<RateLimiter> limiter;
  std::unique_ptr<EventsHandler> events;
  std::unique_ptr<RestHandler> rest;
  std::unique_ptr<FileTransfers> files;  // null without a content backend
  std::unique_ptr<HttpServer> http;
  absl::Mutex ready_mu;
  absl::Status ready ABSL_GUARDED_BY(ready_mu) = Unavailable("STARTING", "the gateway is starting");
  std::unique_ptr<PeriodicTask> readiness;
  bool stopped = false;

  // Keys loaded (fetched now if not), Redis answering commands and the pub/sub connection up.
  absl::Status CheckReadiness() {
    if (!verifier->HasKeys() && !verifier->LoadKeys().ok()) {
      return Unavailable("KEYS_UNAVAILABLE", "signing keys are not loaded");
    }
    if (!redis->Command({"PING"}).ok() || !events->redis_connected()) {
      return Unavailable("REDIS_UNAVAILABLE", "Redis does not answer");
    }
    return absl::OkStatus();
  }
};

absl::StatusOr<std::unique_ptr<GatewayApp>> GatewayApp::Start(const GatewayConfig& config) {
  auto parts = std::make_unique<Parts>();
  std::vector<const google::protobuf::ServiceDescriptor*> services;
  for (const google::protobuf::ServiceDescriptor* service : LinkedServices()) {
    const std::string backend = BackendOf(*service);
    if (backend == kLocalBackend || config.backends.contains(backend)) {
      services.push_back(service);
    }
  }
  ASSIGN_OR_RETURN(RouteTable routes, RouteTable::Build(services));
  parts->routes = std::make_unique<RouteTable>(std::move(routes));
  parts->backends = std::make_unique<Backends>(config.backends);

  ASSIGN_OR_RETURN(redis::Endpoint endpoint, redis::Endpoint::Parse(config.redis_uri));
  parts->redis = std::make_unique<redis::Pool>(redis::Pool::Options{.endpoint = endpoint});
  parts->revocations = std::make_unique<auth::RedisRevocationList>(*parts->redis);
  parts->keys = std::make_unique<identity_client::IdentityKeySource>(
      parts->backends->Channel("identity"), absl::Seconds(3));
  parts->verifier = std::make_unique<auth::TokenVerifier>(
      *parts->keys, parts->revocations.get(), parts->clock,
      auth::TokenVerifier::Options{.verify = config.verify,
                                   .revocation_cache_ttl = config.revocation_cache_ttl});
  if (absl::Status loaded = parts->verifier->LoadKeys(); !loaded.ok()) {
    // Identity may start later; tokens are refused until keys arrive and /readyz says so.
    log::Warning("signing keys not loaded yet").With("error", loaded.ToString());
  }
  parts->auth_pool =
      std::make_unique<BoundedExecutor>("gateway-auth", static_cast<size_t>(config.auth_threads),
                                        static_cast<size_t>(config.auth_queue));
  parts->authenticator = std::make_unique<Authenticator>(*parts->verifier, *parts->auth_pool);

  parts->registry = std::make_shared<prometheus::Registry>();
  parts->metrics = std::make_unique<GatewayMetrics>(*parts->registry);
  if (!config.metrics_listen.empty()) {
    ASSIGN_OR_RETURN(parts->metrics_server,
                     metrics::MetricsServer::Start(config.metrics_listen, parts->registry));
  }

  parts->worker = std::make_unique<BoundedExecutor>("gateway-redis", 2, 100'000);
  parts->presence = std::make_unique<PresenceStore>(*parts->redis, config.presence_ttl);
  parts->presence_api = std::make_unique<PresenceApi>(
      *parts->presence, *parts->worker,
      parts->backends->Has("directory") ? parts->backends->Channel("directory") : nullptr);
  parts->events = std::make_unique<EventsHandler>(
      config.events, endpoint, *parts->redis, *parts->backends, *parts->authenticator,
      *parts->revocations, *parts->presence, *parts->worker, *parts->metrics);

  if (config.rate_limits_enabled) {
    parts->limiter =
        std::make_unique<RateLimiter>(config.rate_limits, parts->redis.get(), *parts->metrics);
  }

  Parts* raw = parts.get();
  parts->readiness = std::make_unique<PeriodicTask>("readiness", config.readiness_interval, [raw] {
    absl::Status ready = raw->CheckReadiness();
    absl::MutexLock lock(&raw->ready_mu);
    raw->ready = std::move(ready);
  });
  auto ready = [raw] {
    absl::MutexLock lock(&raw->ready_mu);
    return raw->ready;
  };
  parts->rest =
      std::make_unique<RestHandler>(*parts->routes, *parts->backends, parts->presence_api.get(),
                                    *parts->authenticator, parts->limiter.get(), *parts->metrics,
                                    config.rest, ready, OpenApiDocument(*parts->routes, "v1"));
  if (parts->backends->Has("content")) {
    parts->files = std::make_unique<FileTransfers>(
        parts->backends->Channel("content"), *parts->authenticator, parts->limiter.get(),
        *parts->metrics,
        FileTransferOptions{.max_file_bytes = config.max_file_bytes,
                            .content_store_dir = config.content_store_dir,
                            .backend_timeout = config.rest.backend_timeout,
                            .trusted_proxies = config.rest.trusted_proxies,
                            .cors_origins = config.rest.cors_origins,
                            .access_log = config.rest.access_log});
  }
  ASSIGN_OR_RETURN(parts->http, HttpServer::Start(config.http, *parts->rest, parts->events.get(),
                                                  parts->files.get()));
  if (!config.port_file.empty()) WritePortFile(config.port_file, parts->http->port());
  log::Info("gateway serving")
      .With("address", config.http.listen_address)
      .With("port", parts->http->port())
      .With("routes", static_cast<int64_t>(parts->routes->routes().size()));
  return std::unique_ptr<GatewayApp>(new GatewayApp(std::move(parts)));
}

GatewayApp::GatewayApp(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

GatewayApp::~GatewayApp() { Shutdown(absl::ZeroDuration()); }

int GatewayApp::http_port() const { return parts_->http->port(); }
int GatewayApp::metrics_port() const {
  return parts_->metrics_server ? parts_->metrics_server->port() : 0;
}

size_t GatewayApp::open_websockets() const { return parts_->events->open_sockets(); }

void GatewayApp::SyncRateLimits() {
  if (parts_->limiter) parts_->limiter->Sync();
}

void GatewayApp::Shutdown(absl::Duration grace) {
  if (parts_->stopped) return;
  parts_->stopped = true;
  parts_->readiness->Stop();
  parts_->http->Shutdown(grace);
  parts_->events->Stop();
  parts_->rest->Shutdown();
  if (parts_->files) parts_->files->Shutdown();
  parts_->auth_pool->Stop();
  parts_->worker->Stop();
}

}  // namespace parta::gateway
