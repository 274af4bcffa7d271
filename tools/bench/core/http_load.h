#pragma once

// An HTTP/1.1 load client for open-loop latency measurements: keep-alive connections to one
// loopback port, spread over source addresses 127.0.0.2…, driven by one epoll thread. Each
// operation sends the next prepared request on a free connection (or waits for one) and
// succeeds on a 200 answer. Answers carry a Content-Length or come in chunks (Janus's API).
// Peak throughput is measured with wrk instead.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tools/bench/core/load.h"

namespace parta::bench {

class HttpLoad {
 public:
  static absl::StatusOr<std::unique_ptr<HttpLoad>> Connect(int port, int connections);
  ~HttpLoad();

  // Sends `requests` (complete HTTP/1.1 requests) round-robin.
  AsyncOperation Operation(std::vector<std::string> requests);

  // The status and body of an answer; status -1 when it could not be parsed. Called on the
  // client's thread: keep it short.
  using Answer = std::function<void(int status, std::string body)>;
  // Sends one complete request on the next free connection.
  void Send(std::string request, Answer answer);

  // The status (-1 when unparsable or the connection failed), body and Retry-After of an answer.
  struct Reply {
    int status = -1;
    std::string body;
    absl::Duration retry_after = absl::ZeroDuration();
  };
  using Replied = std::function<void(Reply reply)>;
  void SendForReply(std::string request, Replied replied);

  class Impl;

 private:
  explicit HttpLoad(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A blocking TCP connection to 127.0.0.1:`port` from 127.0.0.<2 + index % 240> (so that many
// connections do not run out of one address's ports); -1 on failure.
int ConnectFromLoopback(int port, int index);

// A loopback TCP port that was free a moment ago (benchmarks only: another process may take
// it before it is bound again).
int FreePort();

// "GET <path> HTTP/1.1" with Host and, when given, a bearer token.
std::string HttpGet(const std::string& path, const std::string& token = "");

}  // namespace parta::bench
