#include "tools/bench/core/child.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

extern char** environ;
#include <filesystem>
#include <fstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/core/random.h"
#include "libs/core/status.h"

namespace parta::bench {

void RaiseOpenFileLimit() {
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = files.rlim_max;
  setrlimit(RLIMIT_NOFILE, &files);
}

std::vector<std::string> ChildEnvironment(const std::map<std::string, std::string>& overrides) {
  std::vector<std::string> environment;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string text(*entry);
    std::string name = text.substr(0, text.find('='));
    if (!overrides.contains(name)) environment.push_back(text);
  }
  for (const auto& [name, value] : overrides) environment.push_back(name + "=" + value);
  return environment;
}

pid_t Spawn(const std::vector<std::string>& argv, const std::vector<std::string>& environment) {
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  std::vector<char*> envp;
  for (const std::string& entry : environment) envp.push_back(const_cast<char*>(entry.c_str()));
  envp.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    // The servers' logs would drown the benchmark's table.
    int null = open("/dev/null", O_WRONLY);
    dup2(null, STDOUT_FILENO);
    execve(args[0], args.data(), envp.data());
    _exit(127);
  }
  return pid;
}

absl::StatusOr<Child> Child::Start(const std::vector<std::string>& argv,
                                   const std::map<std::string, std::string>& env,
                                   const std::string& port_file_variable) {
  std::string port_file =
      (std::filesystem::temp_directory_path() /
       absl::StrCat("parta-bench-port-", absl::BytesToHexString(RandomBytes(6))))
          .string();
  std::map<std::string, std::string> overrides = env;
  overrides[port_file_variable] = port_file;
  pid_t pid = Spawn(argv, ChildEnvironment(overrides));
  if (pid < 0) return Internal("FORK_FAILED", "cannot start a server process");
  for (int attempt = 0; attempt < 600; ++attempt) {
    std::ifstream file(port_file);
    int port = 0;
    if (file >> port && port > 0) return Child(pid, port, port_file);
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      return Internal("CHILD_DIED", absl::StrCat(argv[0], " exited before serving"));
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  return Internal("CHILD_TIMEOUT", absl::StrCat(argv[0], " did not start serving in 30 s"));
}

Child::Child(Child&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      port_(other.port_),
      port_file_(std::move(other.port_file_)) {}

Child::~Child() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  waitpid(pid_, nullptr, 0);
  std::filesystem::remove(port_file_);
}

}  // namespace parta::bench
