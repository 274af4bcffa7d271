// parta-messaging: class chats, the staff chat and the school channel, messages, history and sync.
//
//   parta-messaging            serve (default)
//   parta-messaging migrate    apply the database migrations and exit
//
// Configuration: PARTA_* environment variables, listed in services/messaging/README.md.

#include <string>

#include "libs/core/config.h"
#include "libs/core/log.h"
#include "libs/core/signals.h"
#include "services/messaging/messaging_app.h"

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
    std::string dir = env.String("PARTA_MIGRATIONS_DIR", messaging::DefaultMigrationsDir());
    if (absl::Status valid = env.Validate(); !valid.ok()) ExitWithStartupError(valid);
    absl::Status status = messaging::MigrateMessaging(pg_uri, dir);
    if (!status.ok()) ExitWithStartupError(status);
    return 0;
  }
  if (command != "serve") {
    ExitWithStartupError(absl::InvalidArgumentError("unknown command " + command));
  }
  absl::StatusOr<messaging::MessagingConfig> config =
      messaging::MessagingConfigFromEnvironment(env);
  if (!config.ok()) ExitWithStartupError(config.status());

  SystemClock clock;
  absl::StatusOr<std::unique_ptr<messaging::MessagingApp>> app =
      messaging::MessagingApp::Start(*config, clock);
  if (!app.ok()) ExitWithStartupError(app.status());
  int signal_number = WaitForTerminationSignal();
  log::Info("draining").With("signal", signal_number);
  (*app)->Shutdown(absl::Seconds(10));
  log::Info("stopped");
  return 0;
}
