// parta-directory: schools, classes, roles, invitations, parent links and permission checks.
//
//   parta-directory            serve (default)
//   parta-directory migrate    apply the database migrations and exit
//
// Configuration: PARTA_* environment variables, listed in services/directory/README.md.

#include <string>

#include "libs/core/config.h"
#include "libs/core/log.h"
#include "libs/core/signals.h"
#include "services/directory/directory_app.h"

int main(int argc, char** argv) {
  using namespace parta;
  BlockTerminationSignals();
  Config env;
  if (auto level = log::ParseLevel(env.String("PARTA_LOG_LEVEL", "info"))) {
    log::SetMinimumLevel(*level);
  }
  std::string command = argc > 1 ? argv[1] : "serve";
  if (command == "migrate") {
    std::string pg_uri = env.RequiredString("PARTA_PG_URI");
    std::string dir = env.String("PARTA_MIGRATIONS_DIR", directory::DefaultMigrationsDir());
    if (absl::Status valid = env.Validate(); !valid.ok()) ExitWithStartupError(valid);
    absl::Status status = directory::MigrateDirectory(pg_uri, dir);
    if (!status.ok()) ExitWithStartupError(status);
    return 0;
  }
  if (command != "serve") {
    ExitWithStartupError(absl::InvalidArgumentError("unknown command " + command));
  }
  absl::StatusOr<directory::DirectoryConfig> config =
      directory::DirectoryConfigFromEnvironment(env);
  if (!config.ok()) ExitWithStartupError(config.status());

  SystemClock clock;
  absl::StatusOr<std::unique_ptr<directory::DirectoryApp>> app =
      directory::DirectoryApp::Start(*config, clock);
  if (!app.ok()) ExitWithStartupError(app.status());
  int signal_number = WaitForTerminationSignal();
  log::Info("draining").With("signal", signal_number);
  (*app)->Shutdown(absl::Seconds(10));
  log::Info("stopped");
  return 0;
}
