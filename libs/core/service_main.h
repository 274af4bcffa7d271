#pragma once

// The main() of a service with a database: `serve` (the default), `migrate`, or one of the
// service's own commands. Serving blocks the termination signals, starts from the PARTA_*
// environment, waits for SIGTERM or SIGINT and drains; any error at start-up is one line on
// stderr and exit code 1.

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/core/config.h"

namespace parta {

struct ServiceMain {
  // Applies the service's migrations (`migrate`, with PARTA_PG_URI and PARTA_MIGRATIONS_DIR).
  std::function<absl::Status(const std::string& pg_uri, const std::string& migrations_dir)> migrate;
  // Where the migrations are when PARTA_MIGRATIONS_DIR is not set.
  std::string default_migrations_dir;
  // Starts serving from the environment; returns what drains and stops the service.
  std::function<absl::StatusOr<std::function<void()>>(Config& env)> serve;
  // The service's own commands ("create-operator"), each run with the environment and the
  // arguments after its name, then the process exits.
  std::map<std::string, std::function<absl::Status(Config& env, std::vector<std::string> args)>>
      commands;
};

int RunServiceMain(int argc, char** argv, const ServiceMain& service);

}  // namespace parta
