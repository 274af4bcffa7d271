#pragma once

// A Janus of its own for tests of the Janus client and of the signaling service: only the
// VideoRoom plugin and the HTTP transport (API and admin) on free loopback ports, its own RTP port
// range, fresh secrets, all in a temporary folder.

#include <sys/types.h>

#include <string>

#include "libs/testing/sdp_offer.h"

namespace parta::testing {

// The secrets of a Janus; several instances of one deployment share them.
struct JanusSecrets {
  std::string api_secret;
  std::string admin_secret;
  std::string admin_key;
};

class PrivateJanus {
 public:
  PrivateJanus();   // writes the config, starts Janus and waits until both ports answer
  // The same with the given secrets (e.g. another instance's, as a deployment's Janus share them).
  explicit PrivateJanus(JanusSecrets secrets);
  ~PrivateJanus();  // kills it and removes the folder
  PrivateJanus(const PrivateJanus&) = delete;
  PrivateJanus& operator=(const PrivateJanus&) = delete;

  // "http://127.0.0.1:<port>/janus": the Janus API root.
  std::string api_url() const;
  // "http://127.0.0.1:<port>/admin": the admin API root.
  std::string admin_url() const;
  const std::string& api_secret() const { return api_secret_; }
  const std::string& admin_secret() const { return admin_secret_; }
  // The VideoRoom plugin's admin_key (needed to create rooms).
  const std::string& admin_key() const { return admin_key_; }
  JanusSecrets secrets() const { return {api_secret_, admin_secret_, admin_key_}; }
  // Janus's log, for a failing test to show.
  std::string log_file() const { return folder_ + "/janus.log"; }

  void Kill();   // SIGKILL, as a crash
  void Start();  // starts it again with the same config and ports, and waits until it answers

 private:
  void WriteConfig();
  // Starts Janus once; false if it exited or did not answer in time (a port taken meanwhile).
  bool TryStart();

  std::string folder_;
  std::string api_secret_;
  std::string admin_secret_;
  std::string admin_key_;
  int api_port_ = 0;
  int admin_port_ = 0;
  int rtp_first_port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace parta::testing
