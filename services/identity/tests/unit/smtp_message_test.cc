#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "libs/testing/mail_server.h"
#include "services/identity/adapters/smtp_sender.h"

namespace parta::identity {
namespace {

OutgoingMessage Message() {
  return OutgoingMessage{.id = "01a25200-0000-7000-8000-000000000001",
                         .recipient = "mama@school.test",
                         .subject = "Восстановление пароля Parta",
                         .body = "Здравствуйте!\n\nКод: 123456\n"};
}

TEST_CASE("An e-mail is composed as RFC 5322 with an encoded subject and a base64 body",
          "[identity][unit][smtp]") {
  const SmtpSettings settings{.url = "smtp://127.0.0.1:25", .from = "no-reply@parta.test"};
  const std::string text =
      ComposeEmail(settings, Message(), absl::FromUnixSeconds(1796650000));
  CHECK(absl::StrContains(text, "Date: "));
  CHECK(absl::StrContains(text, " +0000\r\n"));
  CHECK(absl::StrContains(text, "From: Parta <no-reply@parta.test>\r\n"));
  CHECK(absl::StrContains(text, "To: <mama@school.test>\r\n"));
  CHECK(absl::StrContains(text, "Subject: =?UTF-8?B?"));
  CHECK(absl::StrContains(text, "Message-ID: <01a25200-0000-7000-8000-000000000001@parta.test>"));
  CHECK(absl::StrContains(text, "Content-Type: text/plain; charset=UTF-8\r\n"));
  // Only ASCII travels, lines stay within SMTP's limits.
  for (char c : text) CHECK(static_cast<unsigned char>(c) < 0x80);
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find("\r\n", start);
    REQUIRE(end != std::string::npos);
    CHECK(end - start <= 78);
    start = end + 2;
  }
  // Read back as a mail reader would.
  parta::testing::DeliveredMail mail =
      parta::testing::ParseDeliveredMail("X-RcptTo: mama@school.test\r\n" + text);
  CHECK(mail.subject == "Восстановление пароля Parta");
  CHECK(mail.body == "Здравствуйте!\n\nКод: 123456\n");
  CHECK(mail.from == "Parta <no-reply@parta.test>");
}

TEST_CASE("Only a relay on this machine may go without STARTTLS", "[identity][unit][smtp]") {
  CHECK(IsLoopbackRelay("smtp://127.0.0.1:2525"));
  CHECK(IsLoopbackRelay("smtp://127.1.2.3"));
  CHECK(IsLoopbackRelay("smtp://localhost:25"));
  CHECK(IsLoopbackRelay("smtp://[::1]:25"));
  CHECK_FALSE(IsLoopbackRelay("smtp://localhost.mail.example:25"));
  CHECK_FALSE(IsLoopbackRelay("smtp://127.mail.example"));
  CHECK_FALSE(IsLoopbackRelay("smtp://127.0.0.1.example:25"));
  CHECK_FALSE(IsLoopbackRelay("smtp://127.0.0.300"));
  CHECK_FALSE(IsLoopbackRelay("smtp://[::1].example"));
  CHECK_FALSE(IsLoopbackRelay("smtp://10.0.0.1:25"));
  CHECK_FALSE(IsLoopbackRelay("relay"));
}

TEST_CASE("An SMTP sender refuses URLs and senders that cannot work", "[identity][unit][smtp]") {
  CHECK(SmtpSender::Create({.url = "http://relay", .from = "a@b.test"}).status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(!SmtpSender::Create({.url = "smtp://relay", .from = "nobody"}).ok());
  CHECK(!SmtpSender::Create({.url = "smtp://relay", .from = "a@b.test\nBcc: x@y"}).ok());
  CHECK(SmtpSender::Create({.url = "smtps://relay:465", .from = "a@b.test"}).ok());
}

}  // namespace
}  // namespace parta::identity
