// parta-gateway: the HTTP/JSON and WebSocket face of every service.
//
//   parta-gateway           serve (default)
//   parta-gateway openapi   print the OpenAPI document of every linked service (no test
//                           services) and exit; needs no configuration
//
// Configuration: PARTA_* environment variables, listed in services/gateway/README.md.

#include <sys/resource.h>

#include <iostream>
#include <string>
#include <vector>

#include "libs/core/config.h"
#include "libs/core/log.h"
#include "libs/core/signals.h"
#include "libs/grpc/transport_security.h"
#include "services/gateway/gateway_app.h"
#include "services/gateway/linked_services.h"
#include "services/gateway/openapi/openapi_document.h"
#include "services/gateway/routing/route_table.h"

int main(int argc, char** argv) {
  using namespace parta;
  BlockTerminationSignals();
  // Every WebSocket is a descriptor: take all the descriptors the system allows.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  Config env;
  if (auto level = log::ParseLevel(env.String("PARTA_LOG_LEVEL", "info"))) {
    log::SetMinimumLevel(*level);
  }
  const std::string command = argc > 1 ? argv[1] : "serve";
  if (command == "openapi") {
    std::vector<const google::protobuf::ServiceDescriptor*> services;
    for (const auto* service : gateway::LinkedServices()) {
      if (gateway::BackendOf(*service) != "testing") services.push_back(service);
    }
    absl::StatusOr<gateway::RouteTable> routes = gateway::RouteTable::Build(services);
    if (!routes.ok()) ExitWithStartupError(routes.status());
    std::cout << gateway::OpenApiDocument(*routes, "v1") << "\n";
    return 0;
  }
  if (command != "serve") {
    ExitWithStartupError(absl::InvalidArgumentError("unknown command " + command));
  }
  // The gateway's channels to the services use TLS when the deployment sets it up.
  if (absl::Status tls = parta::grpc::UseTransportSecurityFromEnvironment(env); !tls.ok()) {
    ExitWithStartupError(tls);
  }
  absl::StatusOr<gateway::GatewayConfig> config = gateway::GatewayConfigFromEnvironment(env);
  if (!config.ok()) ExitWithStartupError(config.status());
  absl::StatusOr<std::unique_ptr<gateway::GatewayApp>> app = gateway::GatewayApp::Start(*config);
  if (!app.ok()) ExitWithStartupError(app.status());
  const int signal_number = WaitForTerminationSignal();
  log::Info("draining").With("signal", signal_number);
  (*app)->Shutdown(absl::Seconds(10));
  log::Info("stopped");
  return 0;
}
