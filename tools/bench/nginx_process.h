#pragma once

// nginx as a benchmark's reference: a private instance on a loopback port of its own, one worker
// per core, access log off, stopped (and its temporary prefix removed) with the object.

#include <sys/types.h>

#include <memory>
#include <string>

namespace parta::bench {

class NginxProcess {
 public:
  // Starts nginx with `server_body` inside its only server block (after `listen`), e.g.
  // "location / { return 200; }"; null if it does not listen within 5 s.
  static std::unique_ptr<NginxProcess> Start(const std::string& server_body);
  ~NginxProcess();

  int port() const { return port_; }
  pid_t pid() const { return pid_; }  // the master; the workers are its children

 private:
  NginxProcess() = default;
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace parta::bench
