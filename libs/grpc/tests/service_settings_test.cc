#include "libs/grpc/service_settings.h"

#include <catch2/catch.hpp>
#include <map>

namespace parta::grpc {
namespace {

Config Environment(std::map<std::string, std::string> values) {
  return Config([values](absl::string_view name) -> std::optional<std::string> {
    auto it = values.find(std::string(name));
    if (it == values.end()) return std::nullopt;
    return it->second;
  });
}

TEST_CASE("Service settings read the common variables over the service's own defaults",
          "[grpc][unit]") {
  Config env = Environment({{"PARTA_PG_URI", "host=/tmp"},
                            {"PARTA_REDIS_URI", "unix:///tmp/redis.sock"},
                            {"PARTA_IDENTITY_ADDR", "127.0.0.1:7101"},
                            {"PARTA_METRICS_LISTEN", "off"},
                            {"PARTA_WORKER_THREADS", "6"},
                            {"PARTA_OUTBOX_RETENTION", "30m"},
                            {"PARTA_TRUSTED_PROXIES", "10.0.0.0/8, 192.168.1.7"}});
  ServiceSettings settings;
  settings.grpc_listen = "127.0.0.1:7109";  // a service's default, kept when not set
  REQUIRE(ReadServiceSettings(env, "/srv/migrations", 3, settings).ok());
  REQUIRE(env.Validate().ok());
  CHECK(settings.pg_uri == "host=/tmp");
  CHECK(settings.grpc_listen == "127.0.0.1:7109");
  CHECK(settings.metrics_listen.empty());
  CHECK(settings.migrations_dir == "/srv/migrations");
  CHECK(settings.worker_threads == 6);
  CHECK(settings.pg_pool_size == 6 + 3);  // the workers and the service's own connections
  CHECK(settings.outbox_retention == absl::Minutes(30));
  CHECK(settings.trusted_proxies == std::vector<std::string>{"10.0.0.0/8", "192.168.1.7"});
}

TEST_CASE("Service settings leave missing and bad values to one error", "[grpc][unit]") {
  Config missing = Environment({{"PARTA_WORKER_THREADS", "0"}});
  ServiceSettings settings;
  CHECK(ReadServiceSettings(missing, "", 0, settings).ok());
  const absl::Status all = missing.Validate();
  REQUIRE_FALSE(all.ok());
  for (const char* name :
       {"PARTA_PG_URI", "PARTA_REDIS_URI", "PARTA_IDENTITY_ADDR", "PARTA_WORKER_THREADS"}) {
    CHECK(all.message().find(name) != absl::string_view::npos);
  }
  Config proxies = Environment({{"PARTA_TRUSTED_PROXIES", "10.0.0.0/8,not-a-network"}});
  const absl::Status bad = ReadServiceSettings(proxies, "", 0, settings);
  CHECK(bad.code() == absl::StatusCode::kInvalidArgument);
  CHECK(bad.message().find("not-a-network") != absl::string_view::npos);
}

}  // namespace
}  // namespace parta::grpc
