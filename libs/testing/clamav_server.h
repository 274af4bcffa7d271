#pragma once

// A clamd of its own for tests of virus scanning: deploy/clamav/clamd.conf.in with the small
// signature database deploy/clamav/parta-test.ndb, on a Unix socket in a temporary folder.

#include <sys/types.h>

#include <string>

namespace parta::testing {

class PrivateClamd {
 public:
  PrivateClamd();   // writes the config, starts clamd and waits until it answers
  ~PrivateClamd();  // kills it and removes the folder
  PrivateClamd(const PrivateClamd&) = delete;
  PrivateClamd& operator=(const PrivateClamd&) = delete;

  // "unix:<folder>/clamd.sock", as content's PARTA_CONTENT_CLAMD_ADDR takes it.
  std::string address() const { return "unix:" + folder_ + "/clamd.sock"; }

  void Kill();   // SIGKILL, as a crash
  void Start();  // starts it again and waits until it answers

 private:
  std::string folder_;
  pid_t pid_ = -1;
};

// The EICAR test file: every scanner reports it, and it harms nothing.
std::string EicarTestFile();

}  // namespace parta::testing
