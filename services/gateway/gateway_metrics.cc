#include "services/gateway/gateway_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "absl/strings/str_cat.h"

namespace parta::gateway {

GatewayMetrics::GatewayMetrics(prometheus::Registry& registry)
    : requests_(prometheus::BuildCounter()
                    .Name("parta_gateway_http_requests_total")
                    .Help("HTTP requests by route and status code")
                    .Register(registry)),
      latency_(prometheus::BuildHistogram()
                   .Name("parta_gateway_http_request_seconds")
                   .Help("Time from a request's arrival to its answer, by route")
                   .Register(registry)),
      open_sockets_(prometheus::BuildGauge()
                        .Name("parta_gateway_websockets_open")
                        .Help("Open WebSocket connections")
                        .Register(registry)
                        .Add({})),
      slow_consumers_(prometheus::BuildCounter()
                          .Name("parta_gateway_websocket_slow_consumers_total")
                          .Help("WebSockets closed because their send queue overflowed")
                          .Register(registry)
                          .Add({})),
      rate_limited_(prometheus::BuildCounter()
                        .Name("parta_gateway_rate_limited_total")
                        .Help("Requests refused by a rate limit, by class of route")
                        .Register(registry)) {}

GatewayMetrics::RouteSeries GatewayMetrics::SeriesOf(absl::string_view route, int http_status) {
  std::string key = absl::StrCat(route, "\x1f", http_status);
  absl::MutexLock lock(&mu_);
  auto it = series_.find(key);
  if (it != series_.end()) return it->second;
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  const std::string route_label(route);
  RouteSeries series{
      &requests_.Add({{"route", route_label}, {"code", std::to_string(http_status)}}),
      &latency_.Add({{"route", route_label}}, kBuckets)};
  series_.emplace(std::move(key), series);
  return series;
}

void GatewayMetrics::CountRequest(absl::string_view route, int http_status,
                                  absl::Duration latency) {
  RouteSeries series = SeriesOf(route, http_status);
  series.requests->Increment();
  series.latency->Observe(absl::ToDoubleSeconds(latency));
}

void GatewayMetrics::SocketOpened() { open_sockets_.Increment(); }
void GatewayMetrics::SocketClosed() { open_sockets_.Decrement(); }
void GatewayMetrics::SlowConsumerDropped() { slow_consumers_.Increment(); }
void GatewayMetrics::RateLimited(absl::string_view route_class) {
  rate_limited_.Add({{"class", std::string(route_class)}}).Increment();
}

}  // namespace parta::gateway
