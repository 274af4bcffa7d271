#include "libs/metrics/metrics.h"

#include <prometheus/exposer.h>
#include <prometheus/registry.h>

#include "absl/strings/str_cat.h"
#include "libs/core/status.h"

namespace parta::metrics {

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(
    const std::string& listen_address, std::shared_ptr<prometheus::Registry> registry) {
  try {
    auto exposer = std::make_unique<prometheus::Exposer>(listen_address, /*num_threads=*/1);
    exposer->RegisterCollectable(registry);
    std::vector<int> ports = exposer->GetListeningPorts();
    int port = ports.empty() ? 0 : ports.front();
    return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(exposer), port));
  } catch (const std::exception& error) {
    return Unavailable("METRICS_LISTEN_FAILED",
                       absl::StrCat("cannot serve metrics on ", listen_address, ": ",
                                    error.what()));
  }
}

MetricsServer::MetricsServer(std::unique_ptr<prometheus::Exposer> exposer, int port)
    : exposer_(std::move(exposer)), port_(port) {}

MetricsServer::~MetricsServer() = default;

}  // namespace parta::metrics
