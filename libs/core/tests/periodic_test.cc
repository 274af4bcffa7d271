#include "libs/core/periodic.h"

#include <atomic>
#include <catch2/catch.hpp>

#include "absl/time/clock.h"

namespace parta {
namespace {

bool WaitFor(const std::atomic<int>& counter, int value, absl::Duration limit) {
  absl::Time deadline = absl::Now() + limit;
  while (counter.load() < value) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return true;
}

TEST_CASE("PeriodicTask runs at once and then every interval", "[core][unit]") {
  std::atomic<int> runs{0};
  PeriodicTask task("test", absl::Milliseconds(10), [&runs] { runs.fetch_add(1); });
  CHECK(WaitFor(runs, 3, absl::Seconds(5)));
  task.Stop();
  int stopped_at = runs.load();
  absl::SleepFor(absl::Milliseconds(30));
  CHECK(runs.load() == stopped_at);
}

TEST_CASE("PeriodicTask::Wake runs again without waiting for the interval", "[core][unit]") {
  std::atomic<int> runs{0};
  PeriodicTask task("test", absl::Hours(1), [&runs] { runs.fetch_add(1); });
  REQUIRE(WaitFor(runs, 1, absl::Seconds(5)));
  task.Wake();
  CHECK(WaitFor(runs, 2, absl::Seconds(5)));
  absl::SleepFor(absl::Milliseconds(20));
  CHECK(runs.load() == 2);  // one wake, one run
}

}  // namespace
}  // namespace parta
