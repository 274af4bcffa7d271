#include "tools/esia-emulator/http_message.h"

namespace parta::esia_emulator {

HttpResponse HtmlResponse(int status, std::string page) {
  return {.status = status,
          .content_type = "text/html; charset=utf-8",
          .headers = {},
          .body = std::move(page)};
}

HttpResponse JsonResponse(int status, const nlohmann::ordered_json& body) {
  return {.status = status,
          .content_type = "application/json",
          .headers = {},
          .body = body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace)};
}

HttpResponse TextResponse(int status, std::string text) {
  return {.status = status,
          .content_type = "text/plain; charset=utf-8",
          .headers = {},
          .body = std::move(text)};
}

HttpResponse RedirectResponse(std::string location) {
  return {.status = 302,
          .content_type = "",
          .headers = {{"Location", std::move(location)}},
          .body = ""};
}

}  // namespace parta::esia_emulator
