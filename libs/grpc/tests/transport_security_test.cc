#include "libs/grpc/transport_security.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>

#include "absl/strings/escaping.h"
#include "libs/core/random.h"
#include "libs/core/status.h"

namespace parta::grpc {
namespace {

Config Environment(std::map<std::string, std::string> values) {
  return Config([values](absl::string_view name) -> std::optional<std::string> {
    auto it = values.find(std::string(name));
    if (it == values.end()) return std::nullopt;
    return it->second;
  });
}

// Files that exist (their content is not read here: gRPC's watcher reads them).
struct Files {
  std::string folder = (std::filesystem::temp_directory_path() /
                        ("parta-tls-" + absl::BytesToHexString(RandomBytes(6))))
                           .string();
  Files() {
    std::filesystem::create_directories(folder);
    for (const char* name : {"cert.pem", "key.pem", "ca.pem"}) std::ofstream(Path(name)) << "x";
  }
  ~Files() { std::filesystem::remove_all(folder); }
  std::string Path(const std::string& name) const { return folder + "/" + name; }
};

TEST_CASE("TLS settings: none means plaintext, a certificate with its key turns TLS on",
          "[grpc][unit]") {
  Files files;
  Config none = Environment({});
  absl::StatusOr<TransportSecurity> plain = TransportSecurityFromEnvironment(none);
  REQUIRE(plain.ok());
  CHECK_FALSE(plain->enabled());

  Config tls = Environment({{"PARTA_GRPC_TLS_CERT", files.Path("cert.pem")},
                            {"PARTA_GRPC_TLS_KEY", files.Path("key.pem")},
                            {"PARTA_GRPC_TLS_CA", files.Path("ca.pem")},
                            {"PARTA_GRPC_TLS_RELOAD_INTERVAL", "5s"}});
  absl::StatusOr<TransportSecurity> security = TransportSecurityFromEnvironment(tls);
  REQUIRE(security.ok());
  CHECK(security->enabled());
  CHECK(security->ca_file == files.Path("ca.pem"));
  CHECK(security->reload_interval == absl::Seconds(5));
}

TEST_CASE("TLS settings that cannot work stop the service at start", "[grpc][unit]") {
  Files files;
  const std::string cert = files.Path("cert.pem"), key = files.Path("key.pem");
  for (const auto& values : std::vector<std::map<std::string, std::string>>{
           {{"PARTA_GRPC_TLS_CERT", cert}},                     // no key
           {{"PARTA_GRPC_TLS_KEY", key}},                       // no certificate
           {{"PARTA_GRPC_TLS_CA", files.Path("ca.pem")}},       // a CA alone
           {{"PARTA_GRPC_TLS_CERT", cert}, {"PARTA_GRPC_TLS_KEY", files.Path("missing.pem")}},
           {{"PARTA_GRPC_TLS_CERT", cert},
            {"PARTA_GRPC_TLS_KEY", key},
            {"PARTA_GRPC_TLS_RELOAD_INTERVAL", "500ms"}}}) {
    Config env = Environment(values);
    absl::StatusOr<TransportSecurity> security = TransportSecurityFromEnvironment(env);
    INFO(values.begin()->first << " " << values.size());
    REQUIRE_FALSE(security.ok());
    CHECK(security.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(ReasonOf(security.status()) == "TLS_SETTINGS");
  }
}

}  // namespace
}  // namespace parta::grpc
