// parta-directory: schools, classes, roles, invitations, parent links and permission checks.
//
//   parta-directory            serve (default)
//   parta-directory migrate    apply the database migrations and exit
//
// Configuration: PARTA_* environment variables, listed in services/directory/README.md.

#include "libs/core/clock.h"
#include "libs/core/service_main.h"
#include "libs/core/status.h"
#include "libs/grpc/transport_security.h"
#include "services/directory/directory_app.h"

int main(int argc, char** argv) {
  using namespace parta;
  SystemClock clock;
  std::unique_ptr<directory::DirectoryApp> app;
  return RunServiceMain(argc, argv,
                        {.migrate = directory::MigrateDirectory,
                         .default_migrations_dir = directory::DefaultMigrationsDir(),
                         .serve = [&](Config& env) -> absl::StatusOr<std::function<void()>> {
                           RETURN_IF_ERROR(parta::grpc::UseTransportSecurityFromEnvironment(env));
                           ASSIGN_OR_RETURN(directory::DirectoryConfig config,
                                            directory::DirectoryConfigFromEnvironment(env));
                           ASSIGN_OR_RETURN(app, directory::DirectoryApp::Start(config, clock));
                           return [&] { app->Shutdown(absl::Seconds(10)); };
                         }});
}
