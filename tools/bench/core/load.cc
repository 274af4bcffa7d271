#include "tools/bench/core/load.h"

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace parta::bench {
namespace {

// Collects completions from any thread.
struct Collector {
  absl::Mutex mu;
  LoadResult result;
  int64_t outstanding = 0;

  void Finish(bool ok, absl::Duration latency) {
    absl::MutexLock lock(&mu);
    --outstanding;
    if (ok) {
      ++result.completed;
      result.latency.Record(latency);
    } else {
      ++result.failed;
    }
  }
  void WaitForAll() {
    absl::MutexLock lock(&mu);
    mu.Await(absl::Condition(
        +[](int64_t* n) { return *n == 0; }, &outstanding));
  }
};

}  // namespace

LoadResult RunClosedLoop(const AsyncOperation& operation, int in_flight, absl::Duration duration) {
  // Shared with the callbacks, which may still be unwinding when this function returns.
  struct State {
    Collector collector;
    std::atomic<bool> running{true};
    AsyncOperation operation;
    std::function<void()> start_one;  // the caller has counted the operation as outstanding
  };
  auto state = std::make_shared<State>();
  state->operation = operation;
  std::weak_ptr<State> weak = state;
  state->start_one = [weak] {
    std::shared_ptr<State> self = weak.lock();
    absl::Time begun = absl::Now();
    self->operation([self, begun](bool ok) {
      // Count the next operation before finishing this one, so the count never touches zero
      // while the loop is still running.
      bool again = self->running.load(std::memory_order_relaxed);
      if (again) {
        absl::MutexLock lock(&self->collector.mu);
        ++self->collector.outstanding;
      }
      self->collector.Finish(ok, absl::Now() - begun);
      if (again) self->start_one();
    });
  };
  absl::Time start = absl::Now();
  for (int i = 0; i < in_flight; ++i) {
    {
      absl::MutexLock lock(&state->collector.mu);
      ++state->collector.outstanding;
    }
    state->start_one();
  }
  absl::SleepFor(duration);
  state->running = false;
  state->collector.WaitForAll();
  LoadResult result = state->collector.result;
  result.elapsed = absl::Now() - start;
  return result;
}

LoadResult RunOpenLoop(const AsyncOperation& operation, double rate, absl::Duration duration,
                       int max_in_flight) {
  auto collector = std::make_shared<Collector>();
  absl::Time start = absl::Now();
  int64_t total = static_cast<int64_t>(rate * absl::ToDoubleSeconds(duration));
  absl::Duration interval = absl::Seconds(1.0 / rate);
  for (int64_t i = 0; i < total; ++i) {
    absl::Time scheduled = start + interval * i;
    absl::Time now = absl::Now();
    if (scheduled > now) absl::SleepFor(scheduled - now);
    {
      absl::MutexLock lock(&collector->mu);
      if (collector->outstanding >= max_in_flight) {
        ++collector->result.dropped;
        continue;
      }
      ++collector->outstanding;
    }
    operation([collector, scheduled](bool ok) { collector->Finish(ok, absl::Now() - scheduled); });
  }
  collector->WaitForAll();
  LoadResult result = collector->result;
  result.elapsed = duration;
  return result;
}

LoadResult RunThreads(const std::function<bool()>& operation, int threads,
                      absl::Duration duration) {
  std::atomic<bool> running{true};
  std::vector<LoadResult> partial(threads);
  std::vector<std::thread> workers;
  absl::Time start = absl::Now();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      while (running.load(std::memory_order_relaxed)) {
        absl::Time begun = absl::Now();
        bool ok = operation();
        if (ok) {
          ++partial[t].completed;
          partial[t].latency.Record(absl::Now() - begun);
        } else {
          ++partial[t].failed;
        }
      }
    });
  }
  absl::SleepFor(duration);
  running = false;
  for (std::thread& worker : workers) worker.join();
  LoadResult result;
  result.elapsed = absl::Now() - start;
  for (const LoadResult& part : partial) {
    result.completed += part.completed;
    result.failed += part.failed;
    result.latency.Merge(part.latency);
  }
  return result;
}

}  // namespace parta::bench
