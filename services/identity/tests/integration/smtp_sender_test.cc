// The SMTP sender against a real SMTP server (tools/mail-sink), and against none.

#include <catch2/catch.hpp>

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

TEST_CASE("A relay that refuses the connection is a transient failure",
          "[identity][integration][smtp]") {
  std::string url;
  {
    parta::testing::PrivateMailServer gone;
    url = gone.url();
  }
  auto sender = SmtpSender::Create({.url = url, .from = "a@b.test"});
  REQUIRE(sender.ok());
  absl::Status status = (*sender)->Send(Message());
  CHECK(status.code() == absl::StatusCode::kUnavailable);
}

TEST_CASE("A message reaches a real SMTP server", "[identity][integration][smtp]") {
  parta::testing::PrivateMailServer mail;
  auto sender = SmtpSender::Create({.url = mail.url(), .from = "no-reply@parta.test"});
  REQUIRE(sender.ok());
  REQUIRE((*sender)->Send(Message()).ok());
  std::vector<parta::testing::DeliveredMail> delivered = mail.WaitForMail("mama@school.test");
  REQUIRE(delivered.size() == 1);
  CHECK(delivered[0].subject == "Восстановление пароля Parta");
  CHECK(delivered[0].body == "Здравствуйте!\n\nКод: 123456\n");
}

}  // namespace
}  // namespace parta::identity
