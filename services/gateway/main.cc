// parta-gateway: the HTTP/JSON and WebSocket face of every service.
//
//   parta-gateway           serve (default)
//
// Configuration: PARTA_* environment variables, listed in services/gateway/README.md.

#include <string>

#include "libs/core/config.h"
#include "libs/core/log.h"
#include "libs/core/signals.h"
#include "services/gateway/gateway_app.h"

int main(int argc, char** argv) {
  using namespace parta;
  BlockTerminationSignals();
  Config env;
  if (auto level = log::ParseLevel(env.String("PARTA_LOG_LEVEL", "info"))) {
    log::SetMinimumLevel(*level);
  }
  const std::string command = argc > 1 ? argv[1] : "serve";
  if (command != "serve") {
    ExitWithStartupError(absl::InvalidArgumentError("unknown command " + command));
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
