#include "libs/core/periodic.h"

#include <pthread.h>

namespace parta {

PeriodicTask::PeriodicTask(std::string name, absl::Duration interval, std::function<void()> run)
    : thread_([this, interval, run = std::move(run)] {
        do {
          run();
        } while (!stop_.WaitForNotificationWithTimeout(interval));
      }) {
  pthread_setname_np(thread_.native_handle(), name.substr(0, 15).c_str());
}

PeriodicTask::~PeriodicTask() { Stop(); }

void PeriodicTask::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

}  // namespace parta
