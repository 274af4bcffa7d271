#pragma once

// Password work (argon2id in Register, Login, ChangePassword and activation) queues apart from
// every other RPC, so that a school signing in at 8:25 from one address waits its turn instead
// of being refused, and other calls keep their workers meanwhile.
//
// Admission keeps a virtual clock of when the work admitted so far will be done, each call
// costing one slot: the time between two completions while the queue is busy (measured, starting
// from the cost of a hash over the hashing threads). A call is admitted while that is at most
// `max_wait` away. Otherwise it is refused at once with RESOURCE_EXHAUSTED (HASHING_OVERLOADED)
// and a retry delay: the next return time not yet promised, counted from when the queue will
// have room again, one slot after the last promise. So a crowd is told to come back spread over
// the time its work takes, in the order it came, and returns about as fast as the queue drains,
// instead of all retrying together.

#include <functional>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/core/executor.h"

namespace parta::identity {

class PasswordQueue {
 public:
  struct Options {
    size_t threads = 4;      // calls doing password work at once (each blocks on the hasher)
    size_t capacity = 4096;  // calls waiting at most, whatever the clock says
    absl::Duration max_wait = absl::Seconds(6);            // below the gateway's backend deadline
    absl::Duration initial_slot = absl::Milliseconds(20);  // until the queue has been busy
  };

  explicit PasswordQueue(Options options);

  // Runs `work` on a password thread, or calls `refused` at once with the refusal.
  void Submit(std::function<void()> work, std::function<void(absl::Status)> refused);

  // Finishes what is queued and joins the threads.
  void Stop() { executor_.Stop(); }

  // For tests: the refusal (or OK) a call arriving at `now` would get, without running anything.
  absl::Status Admit(absl::Time now);

 private:
  void Completed(absl::Time now);

  const Options options_;
  BoundedExecutor executor_;
  absl::Mutex mu_;
  absl::Time done_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();   // the virtual clock
  absl::Time promised_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();  // the last return promised
  absl::Duration slot_ ABSL_GUARDED_BY(mu_);  // what one call costs the queue
  size_t in_queue_ ABSL_GUARDED_BY(mu_) = 0;  // admitted and not yet done
  absl::Time last_completion_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace parta::identity
