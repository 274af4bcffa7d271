#include "libs/core/periodic.h"

#include <pthread.h>

namespace parta {

PeriodicTask::PeriodicTask(std::string name, absl::Duration interval, std::function<void()> run)
    : thread_([this, interval, run = std::move(run)] {
        while (true) {
          run();
          absl::MutexLock lock(&mu_);
          mu_.AwaitWithTimeout(absl::Condition(
                                   +[](PeriodicTask* task) ABSL_EXCLUSIVE_LOCKS_REQUIRED(
                                        task->mu_) { return task->stopping_ || task->woken_; },
                                   this),
                               interval);
          if (stopping_) return;
          woken_ = false;
        }
      }) {
  pthread_setname_np(thread_.native_handle(), name.substr(0, 15).c_str());
}

PeriodicTask::~PeriodicTask() { Stop(); }

void PeriodicTask::Wake() {
  absl::MutexLock lock(&mu_);
  woken_ = true;
}

void PeriodicTask::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

}  // namespace parta
