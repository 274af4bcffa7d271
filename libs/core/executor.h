#pragma once

// A fixed pool of threads with a bounded queue. Blocking work (database calls, password hashing)
// runs here instead of on gRPC's threads; when the queue is full the caller is told at once, so
// load is shed instead of piling up memory.

#include <cstddef>
#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace parta {

class BoundedExecutor {
 public:
  BoundedExecutor(std::string name, size_t threads, size_t queue_capacity);
  ~BoundedExecutor();  // Stop()s.
  BoundedExecutor(const BoundedExecutor&) = delete;
  BoundedExecutor& operator=(const BoundedExecutor&) = delete;

  // Queues `task`; false when the queue is full or the executor is stopping.
  [[nodiscard]] bool TrySubmit(std::function<void()> task);

  // Runs what is queued, then joins the threads. Idempotent.
  void Stop();

  size_t threads() const { return threads_.size(); }

 private:
  void Work();

  const std::string name_;
  const size_t capacity_;
  absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace parta
