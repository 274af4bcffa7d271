#pragma once

// The gateway's HTTP/1.1 server (Boost.Beast): one listening port, a fixed set of I/O threads,
// each connection on one thread. It enforces the transport limits, so that no client can make
// it hang or grow without bound:
//   - request headers larger than `max_header_bytes` → 431, more than `max_header_count` → 431;
//   - bodies larger than `max_body_bytes` → 413; malformed requests → 400; each closes;
//   - a connection must deliver a whole request within `read_timeout` of the previous answer
//     (slow, trickling and half-open clients are cut off), and take an answer within
//     `write_timeout`.
// Requests go to the HttpHandler one at a time per connection (keep-alive, no pipelining).
// Transfers (http/transfer.h) are recognised by their headers and streamed instead: no body
// limit (their handler keeps its own), the read and write timeouts apply to each piece.
// Every answer carries the security headers (no-store, nosniff, DENY framing, no referrer, a
// deny-all Content-Security-Policy).

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/gateway/http/http_message.h"
#include "services/gateway/http/transfer.h"
#include "services/gateway/http/websocket.h"

namespace parta::gateway {

struct HttpServerOptions {
  std::string listen_address = "127.0.0.1";
  int port = 8088;  // 0 picks a free port
  int threads = 2;
  size_t max_header_bytes = 16 * 1024;
  size_t max_header_count = 64;
  size_t max_body_bytes = 1024 * 1024;
  absl::Duration read_timeout = absl::Seconds(15);
  absl::Duration write_timeout = absl::Seconds(15);
  WebSocketOptions websocket;
};

class HttpServer {
 public:
  // Binds and starts serving. `websockets` (may be null: no upgrade is accepted) gets upgrade
  // requests on `options.websocket.path`; `transfers` (may be null: none) the requests it
  // claims. Every handler must outlive the server.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options,
                                                           HttpHandler& handler,
                                                           WebSocketHandler* websockets,
                                                           TransferHandler* transfers = nullptr);
  ~HttpServer();  // Shutdown(0)

  int port() const;
  int open_connections() const;

  // Stops accepting, lets requests in flight finish and closes idle connections, closes
  // WebSockets with 1001 "going away", and after `grace` cuts whatever is left. Idempotent.
  void Shutdown(absl::Duration grace);

  class Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace parta::gateway
