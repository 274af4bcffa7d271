#pragma once

// A small HTTP/1.1 client: keep-alive connections to one server, a deadline on every request,
// bodies from memory or streamed from a file, and Shutdown() to cut requests in flight (a pending
// long poll). Plain HTTP for servers on a private network (Janus's API, an S3-compatible object
// store); HTTPS (TLS 1.2 or later, the server's certificate chain and host name always checked)
// for servers elsewhere (ESIA). Boost.Beast and OpenSSL stay inside client.cc.
//
// Errors carry reasons named by the caller's prefix (Options::reasons, "JANUS" gives
// JANUS_UNAVAILABLE):
// <P>_BAD_URL        INVALID_ARGUMENT   a URL in the settings is not http://host[:port][/path]
//                                       (or https://…, where the caller accepts it)
// <P>_BAD_CA_FILE    INVALID_ARGUMENT   the trusted certificates for TLS cannot be read
// <P>_UNAVAILABLE    UNAVAILABLE        the server cannot be reached or dropped the connection
//                                       (also during a TLS handshake)
// <P>_TLS            UNAVAILABLE        TLS refused the session: the server's certificate is not
//                                       from a trusted CA, names another host or has expired,
//                                       or the server does not speak TLS 1.2 or later
// <P>_TIMEOUT        DEADLINE_EXCEEDED  no answer in time
// <P>_STOPPED        CANCELLED          the client was shut down
// <P>_BAD_RESPONSE   INTERNAL           an answer longer than allowed
// <P>_BAD_REQUEST    INVALID_ARGUMENT   a body file that cannot be opened

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace parta::http {

// An `http://host:port/path` or `https://host:port/path` URL taken apart.
struct Url {
  // The schemes a setting may use: plain HTTP alone unless the caller speaks TLS to that server
  // (Client::Options::tls), so that a caller without TLS refuses an https:// setting instead of
  // speaking plain HTTP to it.
  enum class Schemes { kHttp, kHttpOrHttps };

  bool tls = false;  // https://
  std::string host;
  int port = 80;     // 443 for https:// without a port
  std::string path;  // "/janus"; "/" when the URL has none

  // INVALID_ARGUMENT (<reasons>_BAD_URL) for anything but http://host[:port][/path], and
  // https://host[:port][/path] with Schemes::kHttpOrHttps.
  static absl::StatusOr<Url> Parse(absl::string_view url, absl::string_view reasons = "HTTP",
                                   Schemes schemes = Schemes::kHttp);
  // "host:port", for messages and the Host header.
  std::string authority() const;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method = "GET";  // GET, HEAD, PUT, POST, DELETE
  std::string target;          // path and query
  Headers headers;             // besides Host, Content-Length and Connection
  std::string body;
  // When set, the body is this file's bytes instead of `body`, streamed from the disk.
  std::string body_file;
};

// A response: any HTTP status comes back as a value; only transport failures are errors.
struct Response {
  int status = 0;
  Headers headers;
  std::string body;

  // The first header of that name (case-insensitive), or "".
  std::string Header(absl::string_view name) const;
};

// Requests to one server over reused connections. Thread-safe: each request borrows a connection
// of its own, so concurrent requests run in parallel.
class Client {
 public:
  struct Options {
    size_t max_connections = 32;           // requests beyond wait for a free connection
    size_t max_idle_connections = 8;       // connections kept open between requests
    size_t max_response_bytes = 16 << 20;  // longer answers fail with <reasons>_BAD_RESPONSE
    std::string reasons = "HTTP";          // the first word of the errors' reasons
    // HTTPS: TLS 1.2 or later; the server's certificate must chain to a trusted CA and name
    // `host` (a DNS name, sent as SNI, or an IP address). Verification cannot be turned off.
    struct Tls {
      bool enabled = false;
      std::string ca_file;  // PEM bundle of the CAs to trust; empty: the system's trust store
    };
    Tls tls;
  };

  // A client; with options.tls.enabled, reads the trusted CAs first: INVALID_ARGUMENT
  // <reasons>_BAD_CA_FILE when they cannot be read.
  static absl::StatusOr<std::unique_ptr<Client>> Create(std::string host, int port,
                                                        Options options);
  // The same without the up-front check: a client whose trusted CAs cannot be read fails every
  // request with <reasons>_BAD_CA_FILE. Prefer Create() for TLS.
  Client(std::string host, int port, Options options);
  Client(std::string host, int port) : Client(std::move(host), port, Options{}) {}
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends `request` and reads the answer. Errors: <reasons>_UNAVAILABLE when the server cannot be
  // reached or drops the connection, <reasons>_TLS when the TLS handshake fails,
  // <reasons>_TIMEOUT after `timeout`, <reasons>_STOPPED after Shutdown(). A reused connection
  // that the server closed while idle is replaced once, silently.
  absl::StatusOr<Response> Send(const Request& request, absl::Duration timeout);
  // GET `target` (path and query).
  absl::StatusOr<Response> Get(const std::string& target, absl::Duration timeout);
  // POST a JSON body to `target`.
  absl::StatusOr<Response> Post(const std::string& target, std::string json_body,
                                absl::Duration timeout);

  // Ends the requests in flight (they return CANCELLED) and fails every later one. Idempotent.
  void Shutdown();

 private:
  class Connection;
  class TlsContext;

  // An idle connection, or a new unconnected one, once fewer than max_connections are busy;
  // CANCELLED after Shutdown(), DEADLINE_EXCEEDED at `deadline`.
  absl::StatusOr<std::unique_ptr<Connection>> Borrow(absl::Time deadline);
  void GiveBack(std::unique_ptr<Connection> connection, bool reusable);
  // Sends a prepared Beast request (defined and instantiated in client.cc only).
  template <class Message>
  absl::StatusOr<Response> Exchange(Message& request, bool head, absl::Time deadline,
                                    absl::Duration timeout);
  // The error of `kind` ("UNAVAILABLE", …) under this client's reasons, about this server.
  absl::Status Failure(absl::StatusCode code, absl::string_view kind,
                       absl::string_view message) const;

  const std::string host_;
  const int port_;
  const Options options_;
  // With options_.tls.enabled: the TLS settings that the connections share, or the error of
  // reading them (`tls_error_`).
  std::unique_ptr<TlsContext> tls_;
  absl::Status tls_error_;
  absl::Mutex mu_;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::unique_ptr<Connection>> idle_ ABSL_GUARDED_BY(mu_);
  std::vector<Connection*> busy_ ABSL_GUARDED_BY(mu_);
};

}  // namespace parta::http
