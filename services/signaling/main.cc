// parta-signaling: calls of the chats: who is in them, WebRTC signalling, the SFU.
//
//   parta-signaling            serve (default)
//   parta-signaling migrate    apply the database migrations and exit
//
// Configuration: PARTA_* environment variables, listed in services/signaling/README.md.

#include "libs/core/clock.h"
#include "libs/core/service_main.h"
#include "libs/core/status.h"
#include "libs/grpc/transport_security.h"
#include "services/signaling/signaling_app.h"

int main(int argc, char** argv) {
  using namespace parta;
  SystemClock clock;
  std::unique_ptr<signaling::SignalingApp> app;
  return RunServiceMain(argc, argv,
                        {.migrate = signaling::MigrateSignaling,
                         .default_migrations_dir = signaling::DefaultMigrationsDir(),
                         .serve = [&](Config& env) -> absl::StatusOr<std::function<void()>> {
                           RETURN_IF_ERROR(parta::grpc::UseTransportSecurityFromEnvironment(env));
                           ASSIGN_OR_RETURN(signaling::SignalingConfig config,
                                            signaling::SignalingConfigFromEnvironment(env));
                           ASSIGN_OR_RETURN(app, signaling::SignalingApp::Start(config, clock));
                           return [&] { app->Shutdown(absl::Seconds(10)); };
                         }});
}
