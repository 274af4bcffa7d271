#pragma once

// A reference server (redis-server, mosquitto) started for one run on a loopback port of its
// own, stopped (SIGTERM, then waited for) when this object goes.

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace parta::loadgen {

class ServerProcess {
 public:
  // Starts `argv` and waits (bounded) until 127.0.0.1:`port` accepts connections.
  static absl::StatusOr<ServerProcess> Start(const std::vector<std::string>& argv, int port);
  ServerProcess(ServerProcess&& other) noexcept;
  ServerProcess& operator=(ServerProcess&&) = delete;
  ~ServerProcess();

  pid_t pid() const { return pid_; }
  int port() const { return port_; }

 private:
  ServerProcess(pid_t pid, int port) : pid_(pid), port_(port) {}
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace parta::loadgen
