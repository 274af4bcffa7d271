#pragma once

// Private servers for tests that stop, kill or restart them (the shared test servers must stay
// up for everyone else).

#include <string>
#include <vector>
#include <sys/types.h>

namespace parta::testing {

// A redis-server of its own on a Unix socket in a temporary folder, without persistence.
class PrivateRedis {
 public:
  PrivateRedis();   // starts it and waits until it answers
  ~PrivateRedis();  // kills it and removes the folder

  std::string uri() const { return "unix://" + socket_; }
  void Kill();     // SIGKILL, as a crash
  // Starts again on the same socket, with `extra_args` for redis-server (e.g. an ACL rule).
  void Start(const std::vector<std::string>& extra_args = {});

 private:
  std::string folder_;
  std::string socket_;
  pid_t pid_ = -1;
};

}  // namespace parta::testing
