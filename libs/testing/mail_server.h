#pragma once

// A local SMTP server of its own for tests of e-mail (tools/mail-sink: Debian's aiosmtpd
// delivering to a maildir in a temporary folder), on a free loopback port. Tests send through
// it as the services do to a real relay, and read what it delivered.

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace parta::testing {

// A message as the maildir holds it, its subject and body decoded (RFC 2047, base64).
struct DeliveredMail {
  std::string recipient;  // the SMTP envelope's
  std::string from;       // the From header
  std::string subject;
  std::string body;
  std::string raw;  // the whole file
};

class PrivateMailServer {
 public:
  PrivateMailServer();   // starts it and waits until it listens
  ~PrivateMailServer();  // stops it and removes the folder
  PrivateMailServer(const PrivateMailServer&) = delete;
  PrivateMailServer& operator=(const PrivateMailServer&) = delete;

  // "smtp://127.0.0.1:<port>", as PARTA_SMTP_URL takes it.
  std::string url() const;
  int port() const { return port_; }
  std::string maildir() const { return folder_ + "/mail"; }

  // Every message delivered to `recipient` so far, oldest first.
  std::vector<DeliveredMail> MailTo(const std::string& recipient) const;
  // Waits until at least `count` messages to `recipient` were delivered (within `timeout`,
  // a bound for a hung server, not a pace) and returns them all; fails the test otherwise.
  std::vector<DeliveredMail> WaitForMail(const std::string& recipient, size_t count = 1,
                                         absl::Duration timeout = absl::Seconds(30)) const;

 private:
  std::string folder_;
  int port_ = 0;
  pid_t pid_ = -1;
};

// Parses one delivered message file.
DeliveredMail ParseDeliveredMail(const std::string& raw);

}  // namespace parta::testing
