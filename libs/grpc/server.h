#pragma once

// Starts a service's gRPC server the same way everywhere: health checking (grpc.health.v1),
// reflection, the metrics and access-log interceptor, a listening address that may be ":0"
// (the chosen port is reported, and written to a file when asked), TLS when the process uses it
// (transport_security.h), and a graceful drain.

#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace prometheus {
class Registry;
}

namespace parta::grpc {

struct ServerOptions {
  std::string listen_address = "127.0.0.1:0";
  // When set, the bound port is written there once the server serves (for scripts and tests).
  std::string port_file;
  int max_receive_message_bytes = 4 * 1024 * 1024;
};

class Server {
 public:
  // `services` must outlive the server. `registry` receives the gRPC server metrics.
  static absl::StatusOr<std::unique_ptr<Server>> Start(
      const ServerOptions& options, const std::vector<::grpc::Service*>& services,
      std::shared_ptr<prometheus::Registry> registry);
  ~Server();

  int port() const { return port_; }

  // Reports NOT_SERVING on the health service, lets calls in flight finish within `grace`,
  // then cancels what remains. Idempotent.
  void Shutdown(absl::Duration grace);

 private:
  Server(std::unique_ptr<::grpc::Server> server, int port);

  std::unique_ptr<::grpc::Server> server_;
  int port_;
  bool stopped_ = false;
};

}  // namespace parta::grpc
