// parta-content: people's files, the libraries, and the files attached to messages.
//
//   parta-content            serve (default)
//   parta-content migrate    apply the database migrations and exit
//
// Configuration: PARTA_* environment variables, listed in services/content/README.md.

#include "libs/core/clock.h"
#include "libs/core/service_main.h"
#include "libs/core/status.h"
#include "libs/grpc/transport_security.h"
#include "services/content/content_app.h"

int main(int argc, char** argv) {
  using namespace parta;
  SystemClock clock;
  std::unique_ptr<content::ContentApp> app;
  return RunServiceMain(argc, argv,
                        {.migrate = content::MigrateContent,
                         .default_migrations_dir = content::DefaultMigrationsDir(),
                         .serve = [&](Config& env) -> absl::StatusOr<std::function<void()>> {
                           RETURN_IF_ERROR(parta::grpc::UseTransportSecurityFromEnvironment(env));
                           ASSIGN_OR_RETURN(content::ContentConfig config,
                                            content::ContentConfigFromEnvironment(env));
                           ASSIGN_OR_RETURN(app, content::ContentApp::Start(config, clock));
                           return [&] { app->Shutdown(absl::Seconds(10)); };
                         }});
}
