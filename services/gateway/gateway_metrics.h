#pragma once

// The gateway's Prometheus metrics: requests by route and HTTP code, latency by route, open
// WebSockets, slow consumers cut off, rate-limit rejections. Families are made once, here.

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace prometheus {
class Counter;
template <typename T>
class Family;
class Gauge;
class Histogram;
class Registry;
}  // namespace prometheus

namespace parta::gateway {

class GatewayMetrics {
 public:
  explicit GatewayMetrics(prometheus::Registry& registry);

  // `route` is the route's template ("GET /v1/me"), never the raw path, so ids do not make
  // new series.
  void CountRequest(absl::string_view route, int http_status, absl::Duration latency);
  void SocketOpened();
  void SocketClosed();
  void SlowConsumerDropped();
  void RateLimited(absl::string_view route_class);

 private:
  struct RouteSeries {
    prometheus::Counter* requests;
    prometheus::Histogram* latency;
  };
  // The series of a route and code, made once (prometheus-cpp's lookup builds a label map).
  RouteSeries SeriesOf(absl::string_view route, int http_status);

  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& latency_;
  prometheus::Gauge& open_sockets_;
  prometheus::Counter& slow_consumers_;
  prometheus::Family<prometheus::Counter>& rate_limited_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, RouteSeries> series_ ABSL_GUARDED_BY(mu_);
};

}  // namespace parta::gateway
