#pragma once

// The WebSocket `/v1/events`: upgrades (token in `Sec-WebSocket-Protocol: parta.v1,
// bearer.<token>` or in the first frame, never in the URL), the registry of open sockets by
// user and session, control messages (follow, unfollow, session ended), `resync` after Redis
// comes back, token expiry and presence.

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "libs/auth/token_verifier.h"
#include "libs/core/executor.h"
#include "libs/core/periodic.h"
#include "libs/redis/client.h"
#include "parta/events/v1/events.grpc.pb.h"
#include "services/gateway/auth/authenticator.h"
#include "services/gateway/events/channel_hub.h"
#include "services/gateway/events/event_socket.h"
#include "services/gateway/events/presence_store.h"
#include "services/gateway/gateway_metrics.h"
#include "services/gateway/http/websocket.h"
#include "services/gateway/rest/backends.h"

namespace parta::gateway {

struct EventsOptions {
  // Backends that implement parta.events.v1.SubscriptionService.
  std::vector<std::string> subscription_backends;
  // The backend that implements parta.events.v1.ClientSignalService ("" for none).
  std::string signal_backend;
  // A socket without a token must send one within this.
  absl::Duration auth_timeout = absl::Seconds(10);
  // Deadline of the calls made for a socket.
  absl::Duration call_timeout = absl::Seconds(5);
};

class EventsHandler final : public WebSocketHandler {
 public:
  // Everything must outlive the handler. `worker` runs the blocking Redis work.
  EventsHandler(EventsOptions options, redis::Endpoint redis_endpoint, redis::Pool& redis,
                Backends& backends, Authenticator& authenticator,
                auth::RevocationList& revocations, PresenceStore& presence,
                BoundedExecutor& worker, GatewayMetrics& metrics);
  ~EventsHandler() override;

  void Upgrade(const HttpRequest& request, std::function<void(Decision)> decide) override;

  // Stops the sweeper and the Redis subscription (after the HTTP server has closed sockets).
  void Stop();

  size_t open_sockets() const;
  bool redis_connected() const { return hub_.connected(); }

 private:
  friend class EventSocket;

  std::shared_ptr<WebSocketListener> Open(std::shared_ptr<WebSocketConnection> connection,
                                          std::optional<auth::Claims> claims, std::string token);
  // Indexes an authenticated socket by its user; false when it has closed already.
  bool Registered(const std::shared_ptr<EventSocket>& socket, const std::string& user_id);
  void Unregistered(EventSocket* socket, const std::string& user_id);
  std::vector<std::shared_ptr<EventSocket>> SocketsOf(const std::string& user_id) const;
  std::vector<std::shared_ptr<EventSocket>> AllSockets() const;

  void OnControl(const std::string& channel, const events::v1::Control& control);
  void OnResubscribed();
  void Sweep();
  // Presence bookkeeping on the worker; publishes online/offline changes.
  void PresenceConnected(const std::string& user_id, const std::string& socket_id);
  void PresenceDisconnected(const std::string& user_id, const std::string& socket_id);
  void UpdatePresence(const std::string& user_id, const std::string& socket_id, bool connected);

  const EventsOptions options_;
  redis::Pool& redis_;
  Authenticator& authenticator_;
  auth::RevocationList& revocations_;
  PresenceStore& presence_;
  BoundedExecutor& worker_;
  GatewayMetrics& metrics_;
  std::vector<std::pair<std::string, std::unique_ptr<events::v1::SubscriptionService::Stub>>>
      subscription_sources_;
  std::unique_ptr<events::v1::ClientSignalService::Stub> signals_;

  mutable absl::Mutex mu_;
  absl::flat_hash_map<EventSocket*, std::shared_ptr<EventSocket>> sockets_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, std::vector<std::shared_ptr<EventSocket>>> by_user_
      ABSL_GUARDED_BY(mu_);

  ChannelHub hub_;
  std::unique_ptr<PeriodicTask> sweeper_;
};

}  // namespace parta::gateway
