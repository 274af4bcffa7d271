#pragma once

// A private coturn TURN server for tests of calls (tests that need relayed media or check TURN
// credentials against the real server).

#include <sys/types.h>

#include <string>
#include <vector>

namespace parta::testing {

// A turnserver of its own on 127.0.0.1, configured as Parta runs it (deploy/coturn): TURN REST
// credentials (`use-auth-secret`) with a random secret, no TLS, no CLI, and loopback peers
// allowed, because both ends of a test call are on this machine. It listens for UDP and TCP on
// one free port and relays from a 500-port range in 31000-39999 chosen by process id, so tests
// running side by side rarely share relay ports (coturn skips a port that is taken anyway).
class PrivateTurn {
 public:
  PrivateTurn();   // starts it and waits until it answers STUN over UDP and accepts TCP
  ~PrivateTurn();  // kills it and removes the folder
  PrivateTurn(const PrivateTurn&) = delete;
  PrivateTurn& operator=(const PrivateTurn&) = delete;

  std::string host() const { return "127.0.0.1"; }
  int port() const { return port_; }
  // The static-auth-secret: MakeTurnCredentials(secret(), …) gives credentials it accepts.
  const std::string& secret() const { return secret_; }
  // "turn:127.0.0.1:<port>?transport=udp" and "…?transport=tcp", as ICE servers list them.
  std::vector<std::string> turn_urls() const;
  std::string stun_url() const;
  int min_relay_port() const { return min_relay_port_; }
  int max_relay_port() const { return max_relay_port_; }
  // coturn's own log, for a failing test to show.
  std::string log_file() const { return folder_ + "/turnserver.log"; }

 private:
  enum class Outcome { kStarted, kPortTaken, kExited };
  Outcome TryStart();  // on kPortTaken (or no answer in time) the caller picks another port
  void Kill();

  std::string folder_;
  std::string secret_;
  int port_ = 0;
  int min_relay_port_ = 0;
  int max_relay_port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace parta::testing
