#pragma once

// Test clients that speak real HTTP/1.1 and WebSocket over TCP to 127.0.0.1 (Boost.Beast),
// every operation bounded by a timeout, plus raw TCP for requests no well-behaved client sends.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace parta::gateway::testing {

struct ClientResponse {
  int status = 0;  // 0: no answer (connection closed or timed out)
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;

  nlohmann::json json() const;
  std::string header(const std::string& lower_case_name) const;
  // The error reason of an error answer ("" when there is none).
  std::string reason() const;
};

// One request on a fresh connection.
ClientResponse HttpRequest(int port, const std::string& method, const std::string& target,
                           const std::string& body = "",
                           const std::map<std::string, std::string>& headers = {},
                           absl::Duration timeout = absl::Seconds(10));

// Writes `bytes` (optionally in pieces with pauses) and returns everything the server sent
// until it closed the connection or `timeout` passed; `closed` tells which.
struct RawResult {
  std::string received;
  bool closed = false;
};
RawResult RawExchange(int port, const std::vector<std::string>& pieces, absl::Duration pause,
                      absl::Duration timeout);

// Writes `bytes` and closes the connection at once, without reading: a client that goes away
// in the middle of its request.
void WriteThenClose(int port, const std::string& bytes);

class WebSocketClient {
 public:
  struct Options {
    std::string path = "/v1/events";
    std::vector<std::string> protocols;  // Sec-WebSocket-Protocol values
    std::string source_address;           // bind to this local address when set
  };
  // The connected client, or the HTTP status of the refusal in `refused_status`.
  static std::unique_ptr<WebSocketClient> Connect(int port, const Options& options,
                                                  int* refused_status = nullptr,
                                                  std::string* refusal_body = nullptr);
  ~WebSocketClient();

  // The next text message, or nullopt on timeout or close (then closed() is true).
  std::optional<std::string> Read(absl::Duration timeout);
  // Reads until a message whose "type" is `type`, skipping others; nullopt on timeout or close.
  std::optional<nlohmann::json> ReadType(const std::string& type, absl::Duration timeout);
  void Send(const std::string& text);
  bool closed() const;
  int close_code() const;  // the code of the server's close frame, 0 when none
  std::string selected_protocol() const;

  class Impl;

 private:
  explicit WebSocketClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace parta::gateway::testing
