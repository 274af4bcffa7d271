#pragma once

// Plain HTTP requests and responses: what the rest of the gateway sees of HTTP. Only the server
// (http_server.cc) knows Boost.Beast.

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace parta::gateway {

struct HttpRequest {
  std::string method;  // as sent: "GET", "POST", …
  std::string target;  // path and query, as sent
  std::string body;
  // The headers the gateway uses; empty when absent.
  std::string authorization;
  std::string content_type;
  std::string origin;
  std::string request_id;      // x-request-id
  std::string traceparent;     // W3C trace context
  std::string forwarded_for;   // x-forwarded-for
  std::string websocket_protocols;  // sec-websocket-protocol
  std::string peer_address;         // the TCP peer's IP address

  absl::string_view path() const {
    return absl::string_view(target).substr(0, target.find('?'));
  }
  absl::string_view query() const {
    const size_t mark = target.find('?');
    return mark == std::string::npos ? absl::string_view()
                                     : absl::string_view(target).substr(mark + 1);
  }
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Answers a request exactly once, from any thread.
using Responder = std::function<void(HttpResponse)>;

class HttpHandler {
 public:
  virtual ~HttpHandler() = default;
  virtual void Handle(HttpRequest request, Responder respond) = 0;
};

}  // namespace parta::gateway
