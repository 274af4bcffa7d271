#pragma once

// A server process started for a benchmark: its own executable image, its own CPU accounting.
// It writes its port to a file; the benchmark waits for it, measures, then stops it.

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace parta::bench {

// The environment of a child: this process's, with `overrides` set. Built before fork(), as
// only async-signal-safe calls may run between fork() and exec() in a threaded process.
std::vector<std::string> ChildEnvironment(const std::map<std::string, std::string>& overrides);

// Raises this process's limit of open files to the hard limit; the servers it starts inherit it
// (benchmarks with thousands of connections).
void RaiseOpenFileLimit();

// fork() + execve() with stdout sent to /dev/null; the child dies with its parent.
pid_t Spawn(const std::vector<std::string>& argv, const std::vector<std::string>& environment);

class Child {
 public:
  // Starts `argv` with `env` added to this process's environment and PARTA_GRPC_PORT_FILE set
  // to a fresh file, and waits until the port appears there (or the child dies).
  // `port_file_variable` names the variable the server reads its port-file path from.
  static absl::StatusOr<Child> Start(const std::vector<std::string>& argv,
                                     const std::map<std::string, std::string>& env,
                                     const std::string& port_file_variable =
                                         "PARTA_GRPC_PORT_FILE");
  Child(Child&& other) noexcept;
  ~Child();  // SIGTERM, wait

  pid_t pid() const { return pid_; }
  int port() const { return port_; }

 private:
  Child(pid_t pid, int port, std::string port_file)
      : pid_(pid), port_(port), port_file_(std::move(port_file)) {}
  pid_t pid_ = -1;
  int port_ = 0;
  std::string port_file_;
};

}  // namespace parta::bench
