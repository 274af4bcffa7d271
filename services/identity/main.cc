// parta-identity: accounts, sessions and token signing keys.
//
//   parta-identity                     serve (default)
//   parta-identity migrate             apply the database migrations and exit
//   parta-identity create-operator L   make the account with login L a platform operator,
//                                      creating it (password read from stdin) when missing
//   parta-identity create-service-client NAME
//                                      register an API client (scope parta.internal) for one
//                                      of Parta's services; prints "<client id> <secret>"
//
// Configuration: PARTA_* environment variables, listed in services/identity/README.md.

#include <iostream>
#include <string>

#include "libs/core/config.h"
#include "libs/core/log.h"
#include "libs/core/signals.h"
#include "services/identity/identity_app.h"
#include "services/identity/operator_cli.h"

int main(int argc, char** argv) {
  using namespace parta;
  BlockTerminationSignals();
  Config env;
  if (auto level = log::ParseLevel(env.String("PARTA_LOG_LEVEL", "info"))) {
    log::SetMinimumLevel(*level);
  }
  std::string command = argc > 1 ? argv[1] : "serve";
  if (command == "migrate") {
    // Only the database is needed (a migration job holds no other secret).
    std::string pg_uri = env.RequiredString("PARTA_PG_URI");
    std::string dir = env.String("PARTA_MIGRATIONS_DIR", identity::DefaultMigrationsDir());
    if (absl::Status valid = env.Validate(); !valid.ok()) ExitWithStartupError(valid);
    absl::Status status = identity::MigrateIdentity(pg_uri, dir);
    if (!status.ok()) ExitWithStartupError(status);
    return 0;
  }

  absl::StatusOr<identity::IdentityConfig> config = identity::IdentityConfigFromEnvironment(env);
  if (!config.ok()) ExitWithStartupError(config.status());
  if (command == "create-operator") {
    if (argc != 3) ExitWithStartupError(absl::InvalidArgumentError("usage: create-operator LOGIN"));
    absl::Status status = identity::CreateOperator(*config, argv[2], std::cin);
    if (!status.ok()) ExitWithStartupError(status);
    return 0;
  }
  if (command == "create-service-client") {
    if (argc != 3) {
      ExitWithStartupError(absl::InvalidArgumentError("usage: create-service-client NAME"));
    }
    absl::Status status = identity::CreateServiceClient(*config, argv[2], std::cout);
    if (!status.ok()) ExitWithStartupError(status);
    return 0;
  }
  if (command != "serve") {
    ExitWithStartupError(absl::InvalidArgumentError("unknown command " + command));
  }

  SystemClock clock;
  absl::StatusOr<std::unique_ptr<identity::IdentityApp>> app =
      identity::IdentityApp::Start(*config, clock);
  if (!app.ok()) ExitWithStartupError(app.status());
  int signal_number = WaitForTerminationSignal();
  log::Info("draining").With("signal", signal_number);
  (*app)->Shutdown(absl::Seconds(10));
  log::Info("stopped");
  return 0;
}
