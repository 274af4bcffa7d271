// parta-esia-emulator: an ESIA-style (Gosuslugi) OpenID Connect provider for development and
// tests. Wiring only: reads the command line, loads the keys, serves until SIGTERM or SIGINT.

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "libs/core/clock.h"
#include "libs/core/port_file.h"
#include "libs/core/signals.h"
#include "tools/esia-emulator/client_certificate.h"
#include "tools/esia-emulator/http_server.h"
#include "tools/esia-emulator/id_token_signer.h"
#include "tools/esia-emulator/provider.h"
#include "tools/esia-emulator/settings.h"

namespace {

int Fail(absl::string_view message) {
  std::fprintf(stderr, "parta-esia-emulator: %.*s\n", static_cast<int>(message.size()),
               message.data());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace parta::esia_emulator;
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  absl::StatusOr<Settings> settings = ParseSettings(args);
  if (!settings.ok()) {
    std::fputs(kUsage, stderr);
    return Fail(settings.status().message());
  }
  absl::StatusOr<ClientCertificate> certificate =
      ClientCertificate::Load(settings->client_certificate_path);
  if (!certificate.ok()) return Fail(certificate.status().message());
  absl::StatusOr<IdTokenSigner> signer = IdTokenSigner::Load(settings->signing_key_path);
  if (!signer.ok()) return Fail(signer.status().message());

  // Signals are blocked before the serving thread starts, so only the sigwait below sees them.
  parta::BlockTerminationSignals();
  parta::SystemClock clock;
  Provider provider({.client_id = settings->client_id,
                     .redirect_uris = settings->redirect_uris,
                     .issuer = settings->issuer},
                    *std::move(certificate), *std::move(signer), clock);
  absl::StatusOr<std::unique_ptr<HttpServer>> server = HttpServer::Start(
      settings->listen_host, settings->listen_port,
      [&provider](const HttpRequest& request) { return provider.Handle(request); });
  if (!server.ok()) return Fail(server.status().message());
  if (!settings->port_file.empty()) parta::WritePortFile(settings->port_file, (*server)->port());
  std::fprintf(stderr, "parta-esia-emulator: listening on %s:%d for client %s\n",
               settings->listen_host.c_str(), (*server)->port(), settings->client_id.c_str());

  const int signal_number = parta::WaitForTerminationSignal();
  (*server)->Stop();
  std::fprintf(stderr, "parta-esia-emulator: stopped by signal %d\n", signal_number);
  return 0;
}
