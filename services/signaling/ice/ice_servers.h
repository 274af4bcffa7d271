#pragma once

// The STUN and TURN servers a participant's peer connections use, with TURN credentials of the
// TURN REST scheme that coturn checks with `use-auth-secret`: the user name
// "<expiry>:<account id>", the password base64(HMAC-SHA1(secret, user name)).

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "libs/core/clock.h"
#include "parta/signaling/v1/model.pb.h"

namespace parta::signaling {

struct IceSettings {
  std::vector<std::string> stun_urls;  // "stun:turn.example.ru:3478"
  std::vector<std::string> turn_urls;  // "turn:turn.example.ru:3478?transport=udp"
  std::string turn_secret;             // coturn's static-auth-secret
  absl::Duration ttl = absl::Hours(1); // how long credentials are valid
};

class IceServers {
 public:
  IceServers(IceSettings settings, const Clock& clock)
      : settings_(std::move(settings)), clock_(clock) {}

  // The servers for `user_id`, TURN credentials valid for the settings' ttl.
  std::vector<v1::IceServer> For(const std::string& user_id) const;
  absl::Duration ttl() const { return settings_.ttl; }

 private:
  const IceSettings settings_;
  const Clock& clock_;
};

}  // namespace parta::signaling
