#include "libs/core/periodic.h"

#include <atomic>
#include <catch2/catch.hpp>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"

namespace parta {
namespace {

// Waits (bounded) for `counter` to reach `value`: the task's thread gets there on its own time.
bool WaitFor(const std::atomic<int>& counter, int value) {
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (counter.load() < value) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return true;
}

TEST_CASE("PeriodicTask runs at once and then every interval, and not after Stop",
          "[core][unit]") {
  std::atomic<int> runs{0};
  PeriodicTask task("test", absl::Milliseconds(10), [&runs] { runs.fetch_add(1); });
  CHECK(WaitFor(runs, 3));
  task.Stop();  // joins the thread: nothing runs after it returns
  const int stopped_at = runs.load();
  task.Stop();  // idempotent
  CHECK(runs.load() == stopped_at);
}

TEST_CASE("PeriodicTask::Wake runs again at once, and wakes during a run make one more run",
          "[core][unit]") {
  std::atomic<int> runs{0};
  absl::Notification second_started, release_second, third_started;
  PeriodicTask task("test", absl::Hours(1), [&] {
    const int run = runs.fetch_add(1) + 1;
    if (run == 2) {
      second_started.Notify();
      release_second.WaitForNotification();
    }
    if (run == 3) third_started.Notify();
  });
  REQUIRE(WaitFor(runs, 1));
  task.Wake();  // the interval is an hour: only the wake can start the second run
  REQUIRE(second_started.WaitForNotificationWithTimeout(absl::Seconds(10)));
  task.Wake();
  task.Wake();
  task.Wake();
  release_second.Notify();
  REQUIRE(third_started.WaitForNotificationWithTimeout(absl::Seconds(10)));
  task.Stop();
  CHECK(runs.load() == 3);  // three wakes during the second run made one third run
}

}  // namespace
}  // namespace parta
