#pragma once

// Plain HTTP requests and responses: what the rest of the gateway sees of HTTP. Only the server
// (http_server.cc) knows Boost.Beast.

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
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
  // Every header as sent (names as sent), for transfer requests only (http/transfer.h): their
  // handlers read protocol headers (tus, Range, conditionals) the other routes never need.
  std::vector<std::pair<std::string, std::string>> headers;

  // The first header named `name` (case-insensitive) of `headers`; empty when absent.
  absl::string_view header(absl::string_view name) const {
    for (const auto& [key, value] : headers) {
      if (absl::EqualsIgnoreCase(key, name)) return value;
    }
    return absl::string_view();
  }
  bool has_header(absl::string_view name) const {
    for (const auto& entry : headers) {
      if (absl::EqualsIgnoreCase(entry.first, name)) return true;
    }
    return false;
  }

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
