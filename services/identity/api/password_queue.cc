#include "services/identity/api/password_queue.h"

#include <algorithm>

#include "absl/time/clock.h"
#include "libs/core/status.h"

namespace parta::identity {

PasswordQueue::PasswordQueue(Options options)
    : options_(options),
      executor_("identity-pw", options.threads, options.capacity),
      slot_(options.initial_slot) {}

absl::Status PasswordQueue::Admit(absl::Time now) {
  absl::MutexLock lock(&mu_);
  done_at_ = std::max(done_at_, now);
  if (done_at_ - now <= options_.max_wait) {
    done_at_ += slot_;
    return absl::OkStatus();
  }
  // The next return time not yet promised, once the queue has room again.
  promised_ = std::max(promised_, done_at_ - options_.max_wait) + slot_;
  return WithRetryAfter(
      ResourceExhausted("HASHING_OVERLOADED", "many sign-ins at once; retry after the delay"),
      promised_ - now);
}

void PasswordQueue::Submit(std::function<void()> work, std::function<void(absl::Status)> refused) {
  if (absl::Status admitted = Admit(absl::Now()); !admitted.ok()) {
    refused(std::move(admitted));
    return;
  }
  {
    absl::MutexLock lock(&mu_);
    ++in_queue_;
  }
  const bool queued = executor_.TrySubmit([this, work = std::move(work)] {
    work();
    Completed(absl::Now());
  });
  if (!queued) {
    {
      absl::MutexLock lock(&mu_);
      --in_queue_;
    }
    refused(
        WithRetryAfter(ResourceExhausted("HASHING_OVERLOADED", "too many sign-ins waiting; retry"),
                       options_.max_wait));
  }
}

void PasswordQueue::Completed(absl::Time now) {
  absl::MutexLock lock(&mu_);
  // With work waiting behind every thread, the time between two completions is what a call
  // costs the queue; an idle queue's calls say nothing about that, so measuring starts again
  // after it was idle.
  const bool busy = in_queue_ > options_.threads;
  if (busy && last_completion_ != absl::InfinitePast()) {
    slot_ = slot_ * 0.9 + (now - last_completion_) * 0.1;
  }
  last_completion_ = busy ? now : absl::InfinitePast();
  --in_queue_;
}

}  // namespace parta::identity
