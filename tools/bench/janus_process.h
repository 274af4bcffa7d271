#pragma once

// A Janus of the benchmark's own: the deployment's config (deploy/janus/*.jcfg.in) filled in with
// free loopback ports, an RTP range of its own and fresh secrets in a temporary folder. Stopped
// and removed with the object.

#include <sys/types.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace parta::bench {

class JanusProcess {
 public:
  // Starts Janus and waits until its API and admin API answer (at most 30 s).
  static absl::StatusOr<std::unique_ptr<JanusProcess>> Start();
  ~JanusProcess();  // SIGTERM (SIGKILL after 5 s), then the folder goes
  JanusProcess(const JanusProcess&) = delete;
  JanusProcess& operator=(const JanusProcess&) = delete;

  pid_t pid() const { return pid_; }
  int api_port() const { return api_port_; }
  // "http://127.0.0.1:<port>/janus" and "http://127.0.0.1:<port>/admin".
  std::string api_url() const;
  std::string admin_url() const;
  const std::string& api_secret() const { return api_secret_; }
  const std::string& admin_secret() const { return admin_secret_; }
  const std::string& admin_key() const { return admin_key_; }
  // A file holding `secret`, for the services that read secrets from files.
  std::string SecretFile(const std::string& name, const std::string& secret) const;

 private:
  JanusProcess() = default;
  absl::Status WriteConfig() const;

  std::string folder_;
  std::string api_secret_, admin_secret_, admin_key_;
  int api_port_ = 0;
  int admin_port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace parta::bench
