#pragma once

// Runs a function on its own thread every `interval` until Stop(). For background upkeep (key
// rotation, outbox relays, expiry sweeps).

#include <functional>
#include <string>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace parta {

class PeriodicTask {
 public:
  // `run` is called once at once, then every `interval`.
  PeriodicTask(std::string name, absl::Duration interval, std::function<void()> run);
  ~PeriodicTask();  // Stop()s.
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

  // Wakes the thread, waits for a run in progress to end, joins. Idempotent.
  void Stop();

 private:
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace parta
