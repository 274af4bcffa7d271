#include "tools/loadgen/systems/server_process.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tools/bench/core/child.h"
#include "tools/bench/core/http_load.h"

namespace parta::loadgen {

absl::StatusOr<ServerProcess> ServerProcess::Start(const std::vector<std::string>& argv, int port) {
  const pid_t pid = bench::Spawn(argv, bench::ChildEnvironment({}));
  if (pid < 0) return absl::InternalError("cannot start " + argv.front());
  ServerProcess process(pid, port);
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (absl::Now() < deadline) {
    const int fd = bench::ConnectFromLoopback(port, 0);
    if (fd >= 0) {
      close(fd);
      return process;
    }
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      process.pid_ = -1;
      return absl::InternalError(absl::StrCat(argv.front(), " exited at start"));
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return absl::DeadlineExceededError(argv.front() + " did not listen in time");
}

ServerProcess::ServerProcess(ServerProcess&& other) noexcept
    : pid_(other.pid_), port_(other.port_) {
  other.pid_ = -1;
}

ServerProcess::~ServerProcess() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
}

}  // namespace parta::loadgen
