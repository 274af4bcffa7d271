#include "services/signaling/ice/ice_servers.h"

#include "libs/auth/turn_credentials.h"

namespace parta::signaling {

std::vector<v1::IceServer> IceServers::For(const std::string& user_id) const {
  std::vector<v1::IceServer> servers;
  if (!settings_.stun_urls.empty()) {
    v1::IceServer& stun = servers.emplace_back();
    for (const std::string& url : settings_.stun_urls) stun.add_urls(url);
  }
  if (!settings_.turn_urls.empty()) {
    const auth::TurnCredentials credentials =
        auth::MakeTurnCredentials(settings_.turn_secret, user_id, clock_.Now() + settings_.ttl);
    v1::IceServer& turn = servers.emplace_back();
    for (const std::string& url : settings_.turn_urls) turn.add_urls(url);
    turn.set_username(credentials.username);
    turn.set_credential(credentials.password);
  }
  return servers;
}

}  // namespace parta::signaling
