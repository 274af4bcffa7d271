#pragma once

// S9's relayed signalling message: in a peer-to-peer call, one participant sends ICE candidates
// with SendSignal through the gateway's HTTP API on a fixed schedule (open loop); the other
// receives each as a `CallSignal` event on his WebSocket to the gateway. Each candidate carries
// its sequence number (its foundation), which gives its scheduled send time; the receiver counts
// loss, duplicates and order.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tools/bench/core/histogram.h"
#include "tools/bench/core/http_load.h"

namespace parta::bench {

struct RelayPlan {
  int gateway_port = 0;
  std::string call_id;
  std::string sender_authorization;    // "Bearer …"
  std::string receiver_id;
  std::string receiver_authorization;  // "Bearer …"
  double rate = 1000;                  // signals per second
  absl::Duration duration = absl::Seconds(5);
};

struct RelayResult {
  Histogram latency;  // from the scheduled send to the event on the socket
  int64_t scheduled = 0;
  int64_t accepted = 0;  // SendSignal answered 200
  int64_t received = 0;  // distinct signals on the socket
  int64_t duplicates = 0;
  int64_t reordered = 0;  // arrived after a later one
  std::string first_error;
};

// Opens the receiver's socket (waits for `ready`), sends, and waits up to 5 s after the last
// send for what is still on its way.
absl::StatusOr<RelayResult> MeasureRelay(HttpLoad& sender, const RelayPlan& plan);

}  // namespace parta::bench
