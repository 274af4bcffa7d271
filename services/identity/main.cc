// parta-identity: accounts, sessions and token signing keys.
//
//   parta-identity                     serve (default)
//   parta-identity migrate             apply the database migrations and exit
//   parta-identity create-operator L   make the account with login L a platform operator,
//                                      creating it (password read from stdin) when missing
//   parta-identity create-service-client NAME
//                                      register the API client of Parta's service NAME
//                                      (directory, messaging, signaling) with the scopes it
//                                      needs; prints "<client id> <secret>"
//
// Configuration: PARTA_* environment variables, listed in services/identity/README.md.

#include <iostream>
#include <string>
#include <vector>

#include "libs/core/clock.h"
#include "libs/core/service_main.h"
#include "libs/core/status.h"
#include "libs/grpc/transport_security.h"
#include "services/identity/identity_app.h"
#include "services/identity/operator_cli.h"

namespace {

// A command of the operator's that takes one argument.
template <typename Run>
auto WithOneArgument(const char* usage, Run run) {
  return [usage, run](parta::Config& env, std::vector<std::string> args) -> absl::Status {
    if (args.size() != 1) return absl::InvalidArgumentError(usage);
    ASSIGN_OR_RETURN(parta::identity::IdentityConfig config,
                     parta::identity::IdentityConfigFromEnvironment(env));
    return run(config, args[0]);
  };
}

}  // namespace

int main(int argc, char** argv) {
  using namespace parta;
  SystemClock clock;
  std::unique_ptr<identity::IdentityApp> app;
  return RunServiceMain(
      argc, argv,
      {.migrate =
           [](const std::string& pg_uri, const std::string& dir) {
             return identity::MigrateIdentity(pg_uri, dir);
           },
       .default_migrations_dir = identity::DefaultMigrationsDir(),
       .serve = [&](Config& env) -> absl::StatusOr<std::function<void()>> {
         RETURN_IF_ERROR(parta::grpc::UseTransportSecurityFromEnvironment(env));
         ASSIGN_OR_RETURN(identity::IdentityConfig config,
                          identity::IdentityConfigFromEnvironment(env));
         ASSIGN_OR_RETURN(app, identity::IdentityApp::Start(config, clock));
         return [&] { app->Shutdown(absl::Seconds(10)); };
       },
       .commands = {
           {"create-operator",
            WithOneArgument("usage: create-operator LOGIN",
                            [](const identity::IdentityConfig& config, const std::string& login) {
                              return identity::CreateOperator(config, login, std::cin);
                            })},
           {"create-service-client",
            WithOneArgument("usage: create-service-client NAME",
                            [](const identity::IdentityConfig& config, const std::string& name) {
                              return identity::CreateServiceClient(config, name, std::cout);
                            })},
       }});
}
