#pragma once

// One open-loop fan-out run against one system: posts go out on a fixed schedule whatever the
// system does, every receiver's deliveries are checked by the client rule, latency counts from
// each post's scheduled time, and after the run every receiver's chat must hold every
// acknowledged post (gaps are filled from history where the system keeps one, and counted).

#include <cstdint>
#include <map>
#include <string>

#include "absl/time/time.h"
#include "tools/bench/core/histogram.h"
#include "tools/loadgen/systems/fanout_system.h"

namespace parta::loadgen {

struct FanoutLoad {
  int groups = 0;
  int members = 0;  // receivers per group
  // 0: the members post, each in turn; otherwise this many senders outside the audience.
  int posters = 0;
  double posts_per_second = 0;  // all groups together
  absl::Duration warmup = absl::Seconds(5);
  absl::Duration duration = absl::Seconds(30);  // measured
  absl::Duration drain = absl::Seconds(3);      // after the last post, for late deliveries
};

struct FanoutResult {
  std::string system;
  std::string error;  // the run could not be made
  int receivers = 0;
  double offered_per_second = 0;
  int64_t posts = 0, acked = 0, failed = 0;
  std::string failures;  // why, as the system answered
  bench::Histogram ack_latency;
  bench::Histogram latency;        // each delivery to a receiver other than the sender
  bench::Histogram last_receiver;  // each post, until its last receiver had it
  int64_t incomplete_posts = 0;
  double deliveries_per_second = 0;
  int64_t duplicates = 0, held_back = 0, filled = 0, lost = 0;
  double cpu_us_per_delivery = 0;                        // the system's processes
  std::map<std::string, absl::Duration> cpu_by_process;  // by command, over the window
  double measured_seconds = 0;
  double loadgen_cores = 0;       // the load generator's own CPU, in cores
  double kib_per_connection = 0;  // resident memory of the connection holder

  // No post lost, none refused, none out of order, none needing history, p99 within `bar`.
  bool Holds(absl::Duration p99_bar) const;
};

FanoutResult RunFanout(FanoutSystem& system, const FanoutLoad& load);

}  // namespace parta::loadgen
