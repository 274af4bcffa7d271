#pragma once

// WebSockets as the events layer sees them, without Beast: an upgrade decision, a connection to
// send on and close, and a listener for what arrives. The server does the heartbeat (a ping
// after `ping_interval` of silence; no answer within another `ping_interval` closes) and bounds
// each connection's send queue.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "services/gateway/http/http_message.h"

namespace parta::gateway {

struct WebSocketOptions {
  std::string path = "/v1/events";
  size_t max_message_bytes = 64 * 1024;     // an inbound message above this closes with 1009
  size_t max_queued_bytes = 1024 * 1024;    // outbound backlog above this: a slow consumer
  absl::Duration ping_interval = absl::Seconds(25);
  absl::Duration handshake_timeout = absl::Seconds(10);
};

// Close codes the gateway uses besides the standard ones (1000 normal, 1001 going away,
// 1008 policy violation, 1009 too big, 1011 internal error).
inline constexpr uint16_t kCloseUnauthenticated = 4001;  // no valid token in time
inline constexpr uint16_t kCloseTokenExpired = 4002;     // the token expired, not renewed
inline constexpr uint16_t kCloseSessionRevoked = 4003;   // logout, password change, lock
inline constexpr uint16_t kCloseSlowConsumer = 4008;     // the send queue overflowed

// One open socket. Thread-safe; calls after the close do nothing.
class WebSocketConnection {
 public:
  virtual ~WebSocketConnection() = default;
  // Queues a text message. When the queue would pass its limit the socket is closed with
  // kCloseSlowConsumer, its queue freed, and false returned.
  virtual bool Send(std::string text) = 0;
  // Sends a close frame after what is queued, then ends the connection.
  virtual void Close(uint16_t code, std::string reason) = 0;
};

// Events of one socket, called on its I/O thread, one at a time.
class WebSocketListener {
 public:
  virtual ~WebSocketListener() = default;
  virtual void OnText(std::string text) = 0;
  // A pong or any message arrived: the client is alive.
  virtual void OnAlive() = 0;
  // The connection is gone (whoever closed it). The last call.
  virtual void OnClosed() = 0;
};

class WebSocketHandler {
 public:
  virtual ~WebSocketHandler() = default;

  struct Decision {
    std::optional<HttpResponse> refusal;  // set: answer this instead of upgrading
    std::string subprotocol;              // echoed in Sec-WebSocket-Protocol when not empty
    // Called once the handshake is done; the listener lives as long as the connection.
    std::function<std::shared_ptr<WebSocketListener>(std::shared_ptr<WebSocketConnection>)> open;
  };
  // Decides on an upgrade request; calls `decide` exactly once, from any thread.
  virtual void Upgrade(const HttpRequest& request, std::function<void(Decision)> decide) = 0;
};

}  // namespace parta::gateway
