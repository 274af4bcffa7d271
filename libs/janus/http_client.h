#pragma once

// A small HTTP/1.1 client for Janus's plain-HTTP API: keep-alive connections to one server, a
// deadline on every request, and Shutdown() to cut requests in flight (a pending long poll).
// Only `http://` URLs: Janus listens on a private interface, never on the open internet.
// Boost.Beast stays inside http_client.cc.

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace parta::janus {

// An `http://host:port/path` URL taken apart.
struct HttpUrl {
  std::string host;
  int port = 80;
  std::string path;  // "/janus"; "/" when the URL has none

  // INVALID_ARGUMENT (reason JANUS_BAD_URL) for anything but http://host[:port][/path].
  static absl::StatusOr<HttpUrl> Parse(absl::string_view url);
  // "host:port", for messages.
  std::string authority() const;
};

// A response: any HTTP status comes back as a value; only transport failures are errors.
struct HttpResponse {
  int status = 0;
  std::string body;
};

// Requests to one server over reused connections. Thread-safe: each request borrows a connection
// of its own, so concurrent requests run in parallel.
class HttpClient {
 public:
  struct Options {
    size_t max_connections = 32;           // requests beyond wait for a free connection
    size_t max_idle_connections = 8;       // connections kept open between requests
    size_t max_response_bytes = 16 << 20;  // longer answers fail with JANUS_BAD_RESPONSE
  };

  HttpClient(std::string host, int port, Options options);
  HttpClient(std::string host, int port) : HttpClient(std::move(host), port, Options{}) {}
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // GET `target` (path and query). Errors: UNAVAILABLE (JANUS_UNAVAILABLE) when the server cannot
  // be reached or drops the connection, DEADLINE_EXCEEDED (JANUS_TIMEOUT) after `timeout`,
  // CANCELLED (JANUS_STOPPED) after Shutdown().
  absl::StatusOr<HttpResponse> Get(const std::string& target, absl::Duration timeout);
  // POST a JSON body to `target`; errors as for Get().
  absl::StatusOr<HttpResponse> Post(const std::string& target, std::string json_body,
                                    absl::Duration timeout);

  // Ends the requests in flight (they return CANCELLED) and fails every later one. Idempotent.
  void Shutdown();

 private:
  class Connection;

  absl::StatusOr<HttpResponse> Request(bool post, const std::string& target, std::string body,
                                       absl::Duration timeout);
  // An idle connection, or a new unconnected one, once fewer than max_connections are busy;
  // CANCELLED after Shutdown(), DEADLINE_EXCEEDED at `deadline`.
  absl::StatusOr<std::unique_ptr<Connection>> Borrow(absl::Time deadline);
  void GiveBack(std::unique_ptr<Connection> connection, bool reusable);

  const std::string host_;
  const int port_;
  const Options options_;
  absl::Mutex mu_;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::unique_ptr<Connection>> idle_ ABSL_GUARDED_BY(mu_);
  std::vector<Connection*> busy_ ABSL_GUARDED_BY(mu_);
};

}  // namespace parta::janus
