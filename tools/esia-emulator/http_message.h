#pragma once

// An HTTP exchange as the provider sees it, free of Boost.Beast: the server (http_server.cc)
// fills an HttpRequest, the provider answers with an HttpResponse.

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace parta::esia_emulator {

struct HttpRequest {
  std::string method;         // "GET", "POST", …
  std::string target;         // path and query, as sent
  std::string authorization;  // the Authorization header; "" when absent
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string content_type;
  std::vector<std::pair<std::string, std::string>> headers;  // besides Content-Type and length
  std::string body;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

// A UTF-8 HTML page.
HttpResponse HtmlResponse(int status, std::string page);
// A JSON body; text that is not valid UTF-8 is replaced rather than thrown on.
HttpResponse JsonResponse(int status, const nlohmann::ordered_json& body);
// A plain text body.
HttpResponse TextResponse(int status, std::string text);
// 302 Found to `location`.
HttpResponse RedirectResponse(std::string location);

}  // namespace parta::esia_emulator
