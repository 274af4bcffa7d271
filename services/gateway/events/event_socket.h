#pragma once

// One client's WebSocket on `/v1/events`: authenticated at the upgrade or by its first frame,
// then it follows the user's channel and the channels the services list for him, and says
// `ready` once Redis has confirmed them all. It forwards typing and acknowledgement frames to
// the services with the user's token, renews its token in-band, and keeps the user's presence
// alive while its heartbeat answers.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/auth/token.h"
#include "nlohmann/json.hpp"
#include "services/gateway/events/channel_hub.h"
#include "services/gateway/http/websocket.h"

namespace parta::gateway {

class EventsHandler;

class EventSocket final : public WebSocketListener,
                          public ChannelHub::Follower,
                          public std::enable_shared_from_this<EventSocket> {
 public:
  EventSocket(EventsHandler& handler, std::shared_ptr<WebSocketConnection> connection,
              std::string id, absl::Time auth_deadline);

  // Starts the socket for an authenticated user: subscriptions, presence, then `ready`.
  void Begin(auth::Claims claims, std::string token);

  // WebSocketListener (on the socket's I/O thread).
  void OnText(std::string text) override;
  void OnAlive() override;
  void OnClosed() override;

  // ChannelHub::Follower (any thread).
  void Deliver(const std::string& frame) override;

  // Follows or leaves channels after a control message on the user's channel.
  void FollowMore(const std::vector<std::string>& channels);
  void Leave(const std::vector<std::string>& channels);
  // After a Redis reconnection (controls may have been lost): lists the user's channels again,
  // follows exactly those, then says `resync`.
  void Refresh();

  void Send(std::string frame);
  void Close(uint16_t code, const std::string& reason);

  // Closes the socket when its token has expired, or it has not authenticated in time.
  void CloseIfExpired(absl::Time now);

  const std::string& id() const { return id_; }
  std::string user_id() const;
  std::string session_id() const;

 private:
  using Reconciled =
      std::function<void(size_t channels, const std::vector<std::string>& unavailable)>;

  void Authenticate(const std::string& token, const std::string& frame_id);
  // Asks every service for the user's channels (every page of each one's listing) and follows
  // exactly those and his own, with the follows and unfollows his channel brought meanwhile
  // applied over the answers; `then` runs once every channel followed is confirmed by Redis.
  void Reconcile(Reconciled then);
  void ApplyListing(std::vector<std::string> listed, std::vector<std::string> unavailable,
                    const Reconciled& then);
  // Follows `channels` in the hub, and lets go again if the socket closed meanwhile.
  void Follow(const std::vector<std::string>& channels, std::function<void()> confirmed);
  // Sends a typing or ack frame to the signal backend with the user's token.
  void Forward(const std::string& type, const std::string& frame_id, const nlohmann::json& frame);

  EventsHandler& handler_;
  const std::shared_ptr<WebSocketConnection> connection_;
  const std::string id_;

  mutable absl::Mutex mu_;
  std::optional<auth::Claims> claims_ ABSL_GUARDED_BY(mu_);
  std::string token_ ABSL_GUARDED_BY(mu_);
  absl::Time auth_deadline_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> channels_ ABSL_GUARDED_BY(mu_);
  // Listings of the user's channels in flight, and what his channel said meanwhile (channel →
  // followed).
  int listings_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<std::string, bool> changed_while_listing_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  bool authenticating_ ABSL_GUARDED_BY(mu_) = false;
  bool slow_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time last_presence_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace parta::gateway
