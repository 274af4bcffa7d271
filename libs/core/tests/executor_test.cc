#include <catch2/catch.hpp>

#include <atomic>

#include "absl/synchronization/notification.h"
#include "libs/core/executor.h"

namespace parta {
namespace {

TEST_CASE("BoundedExecutor runs every accepted task before Stop returns", "[core][unit]") {
  std::atomic<int> ran{0};
  BoundedExecutor executor("test", 2, 100);
  int accepted = 0;
  for (int i = 0; i < 50; ++i) {
    if (executor.TrySubmit([&ran] { ran.fetch_add(1); })) ++accepted;
  }
  executor.Stop();
  CHECK(accepted == 50);
  CHECK(ran.load() == 50);
}

TEST_CASE("BoundedExecutor refuses work beyond its queue capacity", "[core][unit]") {
  absl::Notification release;
  absl::Notification started;
  BoundedExecutor executor("test", 1, 2);
  REQUIRE(executor.TrySubmit([&] {
    started.Notify();
    release.WaitForNotification();
  }));
  started.WaitForNotification();
  CHECK(executor.TrySubmit([] {}));
  CHECK(executor.TrySubmit([] {}));
  CHECK_FALSE(executor.TrySubmit([] {}));
  release.Notify();
  executor.Stop();
  CHECK_FALSE(executor.TrySubmit([] {}));
}

}  // namespace
}  // namespace parta
