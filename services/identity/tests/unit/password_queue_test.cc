#include "services/identity/api/password_queue.h"

#include <catch2/catch.hpp>

#include "absl/synchronization/notification.h"
#include "libs/core/status.h"

namespace parta::identity {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'800'000'000);

TEST_CASE("The password queue admits what it can do within the wait and spreads the rest",
          "[identity][unit]") {
  // One thread, 10 ms a call: six calls fit in a 50 ms wait (0, 10, … 50 ms).
  PasswordQueue queue(
      {.threads = 1, .max_wait = absl::Milliseconds(50), .initial_slot = absl::Milliseconds(10)});
  for (int i = 0; i < 6; ++i) CHECK(queue.Admit(kStart).ok());
  // The crowd behind is told to come back one call's time apart, in the order it came.
  absl::Status seventh = queue.Admit(kStart);
  absl::Status eighth = queue.Admit(kStart);
  CHECK(seventh.code() == absl::StatusCode::kResourceExhausted);
  CHECK(ReasonOf(seventh) == "HASHING_OVERLOADED");
  CHECK(RetryAfterOf(seventh) == absl::Milliseconds(20));
  CHECK(RetryAfterOf(eighth) == absl::Milliseconds(30));
  // Coming back when told, each is let in.
  CHECK(queue.Admit(kStart + absl::Milliseconds(20)).ok());
  CHECK(queue.Admit(kStart + absl::Milliseconds(30)).ok());
  // Once the work is done, the wait is gone.
  CHECK(queue.Admit(kStart + absl::Seconds(1)).ok());
}

TEST_CASE("Password work runs on the queue's threads and a full queue refuses",
          "[identity][unit]") {
  PasswordQueue queue({.threads = 1, .capacity = 1, .max_wait = absl::Hours(1)});
  absl::Notification started, release, ran_second;
  queue.Submit(
      [&] {
        started.Notify();
        release.WaitForNotification();
      },
      [](absl::Status) { FAIL("the first call is refused"); });
  REQUIRE(started.WaitForNotificationWithTimeout(absl::Seconds(10)));
  queue.Submit([&] { ran_second.Notify(); }, [](absl::Status) { FAIL("the second is refused"); });
  absl::Status third;
  queue.Submit([] { FAIL("the third runs"); }, [&](absl::Status refused) { third = refused; });
  CHECK(ReasonOf(third) == "HASHING_OVERLOADED");
  CHECK(RetryAfterOf(third).has_value());
  release.Notify();
  CHECK(ran_second.WaitForNotificationWithTimeout(absl::Seconds(10)));
  queue.Stop();
}

}  // namespace
}  // namespace parta::identity
