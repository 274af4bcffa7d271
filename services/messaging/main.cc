// parta-messaging: class chats, the staff chat and the school channel, messages, history and sync.
//
//   parta-messaging            serve (default)
//   parta-messaging migrate    apply the database migrations and exit
//
// Configuration: PARTA_* environment variables, listed in services/messaging/README.md.

#include "libs/core/clock.h"
#include "libs/core/service_main.h"
#include "libs/core/status.h"
#include "libs/grpc/transport_security.h"
#include "services/messaging/messaging_app.h"

int main(int argc, char** argv) {
  using namespace parta;
  SystemClock clock;
  std::unique_ptr<messaging::MessagingApp> app;
  return RunServiceMain(argc, argv,
                        {.migrate = messaging::MigrateMessaging,
                         .default_migrations_dir = messaging::DefaultMigrationsDir(),
                         .serve = [&](Config& env) -> absl::StatusOr<std::function<void()>> {
                           RETURN_IF_ERROR(parta::grpc::UseTransportSecurityFromEnvironment(env));
                           ASSIGN_OR_RETURN(messaging::MessagingConfig config,
                                            messaging::MessagingConfigFromEnvironment(env));
                           ASSIGN_OR_RETURN(app, messaging::MessagingApp::Start(config, clock));
                           return [&] { app->Shutdown(absl::Seconds(10)); };
                         }});
}
