#pragma once

// The process's Prometheus registry and its `/metrics` endpoint on a port of its own.
// Metric families are created once, at start-up, by the components that own them.

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace prometheus {
class Exposer;
class Registry;
}  // namespace prometheus

namespace parta::metrics {

class MetricsServer {
 public:
  // Serves `/metrics` on `listen_address` ("127.0.0.1:9101"; port 0 picks a free port).
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(const std::string& listen_address,
                                                              std::shared_ptr<prometheus::Registry> registry);
  ~MetricsServer();

  int port() const { return port_; }

 private:
  MetricsServer(std::unique_ptr<prometheus::Exposer> exposer, int port);

  std::unique_ptr<prometheus::Exposer> exposer_;
  int port_;
};

}  // namespace parta::metrics
