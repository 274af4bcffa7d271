#include "libs/core/service_main.h"

#include "libs/core/log.h"
#include "libs/core/signals.h"

namespace parta {

int RunServiceMain(int argc, char** argv, const ServiceMain& service) {
  BlockTerminationSignals();
  Config env;
  if (auto level = log::ParseLevel(env.String("PARTA_LOG_LEVEL", "info"))) {
    log::SetMinimumLevel(*level);
  }
  std::string command = argc > 1 ? argv[1] : "serve";
  if (command == "migrate") {
    std::string pg_uri = env.RequiredString("PARTA_PG_URI");
    std::string dir = env.String("PARTA_MIGRATIONS_DIR", service.default_migrations_dir);
    if (absl::Status valid = env.Validate(); !valid.ok()) ExitWithStartupError(valid);
    if (absl::Status migrated = service.migrate(pg_uri, dir); !migrated.ok()) {
      ExitWithStartupError(migrated);
    }
    return 0;
  }
  if (auto own = service.commands.find(command); own != service.commands.end()) {
    absl::Status done = own->second(env, std::vector<std::string>(argv + 2, argv + argc));
    if (!done.ok()) ExitWithStartupError(done);
    return 0;
  }
  if (command != "serve") {
    ExitWithStartupError(absl::InvalidArgumentError("unknown command " + command));
  }
  absl::StatusOr<std::function<void()>> stop = service.serve(env);
  if (!stop.ok()) ExitWithStartupError(stop.status());
  int signal_number = WaitForTerminationSignal();
  log::Info("draining").With("signal", signal_number);
  (*stop)();
  log::Info("stopped");
  return 0;
}

}  // namespace parta
