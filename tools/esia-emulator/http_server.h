#pragma once

// A small HTTP/1.1 server for the emulator: one thread serving every connection asynchronously,
// keep-alive, requests of at most 16 KiB of head and 48 KiB of body (413 beyond), idle
// connections closed after 30 s, one line per request on stderr (method, path without the
// query, status, time taken: no secrets). Boost.Beast stays in http_server.cc.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "tools/esia-emulator/http_message.h"

namespace parta::esia_emulator {

class HttpServer {
 public:
  // Listens on `host` (an IP address) and `port` (0: any free one) and serves with `handler`,
  // which must be thread-compatible (it is called from the one serving thread).
  // UNAVAILABLE (LISTEN_FAILED) when the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(const std::string& host, int port,
                                                           HttpHandler handler);
  ~HttpServer();  // Stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The port bound.
  int port() const;
  // Stops accepting, drops open connections and joins the serving thread. Idempotent.
  void Stop();

 private:
  struct State;
  explicit HttpServer(std::unique_ptr<State> state);

  std::unique_ptr<State> state_;
};

}  // namespace parta::esia_emulator
