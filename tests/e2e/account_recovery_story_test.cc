// People and their accounts through the gateway, with the real services and a real SMTP
// server: a parent who forgot his password gets back in through the e-mail it delivered, and
// keeps his child's class; an operator locks an account, the person is out at once, the
// operator finds it all in the account audit log, and the school's admin reads the lock in his
// school's log.

#include <catch2/catch.hpp>
#include <regex>

#include "libs/testing/mail_server.h"
#include "services/identity/tests/identity_fixture.h"
#include "tests/e2e/system_fixture.h"

namespace parta {
namespace {

using gateway::testing::GatewayFixture;
using nlohmann::json;
using testing::SystemFixture;

constexpr char kNewPassword[] = "Мороз и солнце, день чудесный 1826";

TEST_CASE("A parent forgets his password and gets back in through the delivered e-mail",
          "[e2e][identity][recovery]") {
  parta::testing::PrivateMailServer mail;
  auto system = SystemFixture::Start(nullptr, [&](identity::IdentityConfig& config) {
    config.smtp = identity::SmtpSettings{.url = mail.url(), .from = "no-reply@parta.test"};
    config.message_poll_interval = absl::Milliseconds(50);
  });
  if (!system) return;
  GatewayFixture& g = system->gateway();
  SystemFixture& s = *system;

  std::string op = s.SignUpOperator("operator@parta.ru");
  std::string school = s.Ok("POST", "/v1/schools",
                            {{"name", "МБОУ «Школа № 7»"},
                             {"shortName", "Школа № 7"},
                             {"regionCode", "77"},
                             {"timeZone", "Europe/Moscow"},
                             {"inn", "7707083893"},
                             {"ogrn", "1027700132195"}},
                            op)["id"];
  std::string base = "/v1/schools/" + school;
  std::string admin = s.Join(school, "director@school7.ru", {{"role", "ROLE_ADMIN"}}, op);
  std::string class_id =
      s.Ok("POST", base + "/classes", {{"grade", 5}, {"letter", "а"}, {"academicYear", 2026}},
           admin)["id"];
  std::string pupil = s.Join(school, "vanya@school7.ru",
                             {{"role", "ROLE_STUDENT"}, {"classId", class_id}}, admin);
  const std::string father_email = "father@mail.ru";
  std::string father = g.SignUp(father_email);
  json invite = s.Ok("POST", base + "/students/" + g.UserIdOf(pupil) + "/parentInvitations",
                     json::object(), pupil);
  json link = s.Ok("POST", "/v1/invitations:redeem", {{"code", invite["code"]}}, father);
  s.Ok("POST", base + "/parentLinks/" + link["parentLink"]["id"].get<std::string>() + ":confirm",
       json::object(), admin);

  // He forgot his password: the code comes by e-mail, the same answer for anyone.
  json started = s.Ok("POST", "/v1/passwordResets:request", {{"login", father_email}}, "");
  CHECK(started["channel"] == "DELIVERY_CHANNEL_EMAIL");
  json nobody = s.Ok("POST", "/v1/passwordResets:request", {{"login", "nobody@mail.ru"}}, "");
  CHECK(nobody["channel"] == started["channel"]);
  std::vector<parta::testing::DeliveredMail> delivered = mail.WaitForMail(father_email);
  REQUIRE(delivered.size() == 1);
  CHECK(delivered[0].subject == "Восстановление пароля Parta");
  std::smatch match;
  REQUIRE(std::regex_search(delivered[0].body, match, std::regex(R"(\b(\d{6})\b)")));
  const std::string code = match[1];

  gateway::testing::ClientResponse wrong = s.Call(
      "POST", "/v1/passwordResets:complete",
      {{"login", father_email}, {"code", code == "000000" ? "111111" : "000000"},
       {"newPassword", kNewPassword}},
      "");
  CHECK(wrong.status == 401);
  CHECK(wrong.reason() == "INVALID_CODE");
  json tokens = s.Ok("POST", "/v1/passwordResets:complete",
                     {{"login", father_email}, {"code", code}, {"newPassword", kNewPassword},
                      {"device", "Телефон папы"}},
                     "");
  const std::string back = tokens["accessToken"];
  // His old session is over; the new one sees his child's class as before.
  CHECK(SystemFixture::Eventually(
      [&] { return s.Call("GET", "/v1/me", nullptr, father).status == 401; }));
  CHECK(s.Ok("GET", "/v1/me", nullptr, back)["email"] == father_email);
  json links =
      s.Ok("GET", base + "/students/" + g.UserIdOf(pupil) + "/parentLinks", nullptr, back);
  REQUIRE(links["links"].size() == 1);
  CHECK(links["links"][0]["state"] == "PARENT_LINK_STATE_CONFIRMED");

  // An operator locks the account: out at once, sign-in refused; the audit log shows who and why.
  const std::string father_id = g.UserIdOf(back);
  json locked = s.Ok("POST", "/v1/accounts/" + father_id + ":lock",
                     {{"reason", "Жалоба школы, обращение 77-1"}}, op);
  CHECK(locked["state"] == "ACCOUNT_STATE_LOCKED");
  CHECK(SystemFixture::Eventually(
      [&] { return s.Call("GET", "/v1/me", nullptr, back).status == 401; }));
  gateway::testing::ClientResponse refused =
      s.Call("POST", "/v1/sessions:login",
             {{"login", father_email}, {"password", kNewPassword}, {"device", "e2e"}}, "");
  CHECK(refused.status == 401);
  CHECK(refused.reason() == "ACCOUNT_LOCKED");
  // His school reads it in its audit log: who locked whom, and when (not the operator's reason,
  // which may name others).
  CHECK(SystemFixture::Eventually([&] {
    json log = s.Ok("GET", base + "/auditLog?action=account_*", nullptr, admin);
    return log["entries"].size() == 1 && log["entries"][0]["action"] == "account_locked" &&
           log["entries"][0]["subjectId"] == father_id &&
           log["entries"][0]["actorId"] == g.UserIdOf(op);
  }));
  json audit = s.Ok("GET", "/v1/accountAudit?accountId=" + father_id, nullptr, op);
  REQUIRE(audit["entries"].size() == 2);
  CHECK(audit["entries"][0]["action"] == "ACCOUNT_AUDIT_ACTION_LOCKED");
  CHECK(audit["entries"][0]["reason"] == "Жалоба школы, обращение 77-1");
  CHECK(audit["entries"][0]["actorId"] == g.UserIdOf(op));
  CHECK(audit["entries"][1]["action"] == "ACCOUNT_AUDIT_ACTION_PASSWORD_RESET");
  // Only operators read it or lock.
  CHECK(s.Call("GET", "/v1/accountAudit", nullptr, admin).status == 403);
  CHECK(s.Call("POST", "/v1/accounts/" + father_id + ":unlock", {{"reason", "ошибка"}}, admin)
            .status == 403);

  // The school's admin reads his school's log: the father's link, confirmed by him.
  json school_log =
      s.Ok("GET", base + "/auditLog?personId=" + g.UserIdOf(admin) + "&action=parent_link_*",
           nullptr, admin);
  REQUIRE(!school_log["entries"].empty());
  CHECK(school_log["entries"][0]["action"] == "parent_link_confirmed");
  CHECK(!school_log["entries"][0]["clientAddress"].get<std::string>().empty());
  CHECK(s.Call("GET", base + "/auditLog", nullptr, pupil).status == 403);
}

}  // namespace
}  // namespace parta
