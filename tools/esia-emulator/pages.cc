#include "tools/esia-emulator/pages.h"

#include "absl/strings/str_cat.h"
#include "tools/esia-emulator/encoding.h"

namespace parta::esia_emulator {
namespace {

std::string Page(absl::string_view title, absl::string_view body) {
  return absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"ru\">\n<head>\n<meta charset=\"utf-8\">\n<title>",
      EscapeHtml(title), "</title>\n</head>\n<body>\n", body, "</body>\n</html>\n");
}

}  // namespace

std::string LoginPage(absl::string_view request_id, absl::string_view client_id,
                      const std::vector<Person>& persons) {
  std::string body =
      absl::StrCat("<h1>Эмулятор ЕСИА: вход</h1>\n<p>Система <b>", EscapeHtml(client_id),
                   "</b> запрашивает вход. Выберите тестового пользователя.</p>\n"
                   "<form method=\"post\" action=\"/aas/oauth2/v2/ac/login\">\n"
                   "<input type=\"hidden\" name=\"request\" value=\"",
                   EscapeHtml(request_id), "\">\n");
  for (const Person& person : persons) {
    absl::StrAppend(
        &body, "<p><button type=\"submit\" name=\"person\" value=\"", EscapeHtml(person.login),
        "\">",
        EscapeHtml(absl::StrCat(person.last_name, " ", person.first_name, " ", person.middle_name)),
        " (", EscapeHtml(person.login), ", ", person.trusted ? "подтверждённая" : "упрощённая",
        " учётная запись)</button></p>\n");
  }
  absl::StrAppend(&body, "</form>\n");
  return Page("Эмулятор ЕСИА: вход", body);
}

std::string ErrorPage(absl::string_view title, absl::string_view message) {
  return Page(title,
              absl::StrCat("<h1>", EscapeHtml(title), "</h1>\n<p>", EscapeHtml(message), "</p>\n"));
}

}  // namespace parta::esia_emulator
