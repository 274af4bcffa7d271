#pragma once

// Runs a function on its own thread every `interval` until Stop(). For background upkeep (key
// rotation, outbox relays, expiry sweeps).

#include <functional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace parta {

class PeriodicTask {
 public:
  // `run` is called once at once, then every `interval`.
  PeriodicTask(std::string name, absl::Duration interval, std::function<void()> run);
  ~PeriodicTask();  // Stop()s.
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

  // Runs `run` again as soon as the run in progress (if any) ends, without waiting for the
  // interval. Wakes arriving during one run coalesce into one more run. Never blocks.
  void Wake();

  // Wakes the thread, waits for a run in progress to end, joins. Idempotent.
  void Stop();

 private:
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool woken_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace parta
