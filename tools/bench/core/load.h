#pragma once

// Load generation shared by every benchmark.
//
//  - RunClosedLoop keeps `in_flight` asynchronous operations going for `duration`: the peak
//    throughput of a system (as wrk does).
//  - RunOpenLoop starts operations on a fixed schedule (`rate` per second) whatever the system
//    does, and measures each latency from its *scheduled* start, so a stall shows up in the tail
//    instead of hiding (no coordinated omission). Operations that cannot start because
//    `max_in_flight` are outstanding are counted as dropped.
//
// An operation is asynchronous: it is started with a completion callback that it calls exactly
// once, from any thread, with whether it succeeded.

#include <cstdint>
#include <functional>

#include "absl/time/time.h"
#include "tools/bench/core/histogram.h"

namespace parta::bench {

using Done = std::function<void(bool ok)>;
using AsyncOperation = std::function<void(Done done)>;

struct LoadResult {
  int64_t completed = 0;
  int64_t failed = 0;
  int64_t dropped = 0;  // open loop only
  absl::Duration elapsed;
  Histogram latency;

  double PerSecond() const { return completed / absl::ToDoubleSeconds(elapsed); }
};

LoadResult RunClosedLoop(const AsyncOperation& operation, int in_flight, absl::Duration duration);

LoadResult RunOpenLoop(const AsyncOperation& operation, double rate, absl::Duration duration,
                       int max_in_flight);

// A blocking operation run by `threads` threads as fast as they can (CPU-bound references such
// as a KDF or a signature check in a loop).
LoadResult RunThreads(const std::function<bool()>& operation, int threads,
                      absl::Duration duration);

}  // namespace parta::bench
