// A parent the state vouches for, through the gateway with the real services and the ESIA
// emulator (tools/esia-emulator): a school that admits only vouched-for adults imports its
// roster; a father signs in with Gosuslugi, is government-verified, finds his children in the
// state's register, claims his daughter without the class teacher, and reads the class parents'
// chat. A mother who signed up by e-mail can neither claim nor be confirmed there.

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "libs/testing/esia_emulator_server.h"
#include "tests/e2e/system_fixture.h"

namespace parta {
namespace {

using gateway::testing::GatewayFixture;
using nlohmann::json;
using testing::PrivateEsia;
using testing::SystemFixture;

// The person's browser and app: starts a sign-in at the gateway, signs in as `person` at the
// emulator, and brings the code back; the answer of `/v1/esia:complete`.
json SignInWithGosuslugi(SystemFixture& s, const PrivateEsia& esia, const std::string& person) {
  json started = s.Ok("POST", "/v1/esia:start", json::object(), "");
  const std::string back = esia.SignInAs(started["authorizationUrl"], person);
  REQUIRE(absl::StartsWith(back, identity::testing::kEsiaRedirect));
  std::map<std::string, std::string> query = testing::QueryOf(back);
  return s.Ok("POST", "/v1/esia:complete",
              {{"state", query["state"]}, {"code", query["code"]}, {"verifier", started["verifier"]}},
              "");
}

TEST_CASE("A verified father claims his daughter in a school of vouched-for adults and reads "
          "the parents' chat",
          "[e2e][esia]") {
  PrivateEsia esia("PARTA", {identity::testing::kEsiaRedirect});
  auto system = SystemFixture::Start(nullptr, [&](identity::IdentityConfig& config) {
    identity::testing::UseEsia(config, esia);
  });
  if (!system) return;
  GatewayFixture& g = system->gateway();
  SystemFixture& s = *system;

  // The school admits only adults the state or the school vouches for, and imports its pupils.
  std::string op = s.SignUpOperator("operator@parta.ru");
  std::string school = s.Ok("POST", "/v1/schools",
                            {{"name", "МБОУ «Гимназия № 1»"},
                             {"shortName", "Гимназия № 1"},
                             {"regionCode", "50"},
                             {"timeZone", "Europe/Moscow"},
                             {"inn", "7707083893"},
                             {"ogrn", "1027700132195"}},
                            op)["id"];
  std::string base = "/v1/schools/" + school;
  std::string admin = s.Join(school, "director@gymnasium1.ru", {{"role", "ROLE_ADMIN"}}, op);
  json updated = s.Ok("PATCH", base + "?updateMask=verifiedAdultsOnly",
                      {{"verifiedAdultsOnly", true}}, admin);
  CHECK(updated["verifiedAdultsOnly"] == true);
  std::string class_id = s.Ok("POST", base + "/classes",
                              {{"grade", 5}, {"letter", "А"}, {"academicYear", 2026}}, admin)["id"];
  std::string teacher = s.Join(school, "teacher@gymnasium1.ru", {{"role", "ROLE_TEACHER"}}, admin);
  s.Ok("PATCH", base + "/classes/" + class_id + "?updateMask=classTeacherId",
       {{"classTeacherId", g.UserIdOf(teacher)}}, admin);
  json imported = s.Ok("POST", base + ":importRoster",
                       {{"academicYear", 2026},
                        {"csv",
                         "Класс;Фамилия;Имя;Отчество;Дата рождения;Роль\n"
                         "5А;Иванова;Мария;Ивановна;01.09.2014;ученица\n"
                         "5А;Смирнов;Олег;;02.02.2014;ученик\n"}},
                       admin);
  REQUIRE(imported["people"].size() == 2);
  const std::string maria = imported["people"][0]["accountId"];
  json parents_chat = s.WaitForChat(teacher, "CHAT_KIND_CLASS_PARENTS", class_id);
  const std::string chat_id = parents_chat["id"];
  s.Ok("POST", "/v1/chats/" + chat_id + "/messages",
       {{"requestId", "meeting"}, {"text", {{"body", "Родительское собрание в четверг в 18:00"}}}},
       teacher);

  // The father signs in with Gosuslugi: a new account, government-verified.
  json signed_in = SignInWithGosuslugi(s, esia, "ivanov");
  CHECK(signed_in["created"] == true);
  CHECK(signed_in["account"]["verificationLevel"] == "VERIFICATION_LEVEL_GOVERNMENT_VERIFIED");
  const std::string father = signed_in["tokens"]["accessToken"];
  json children = s.Ok("GET", "/v1/me/esia/children", nullptr, father);
  REQUIRE(children["children"].size() == 2);
  CHECK(children["children"][0]["firstName"] == "Мария");
  CHECK(children["children"][0]["birthDate"] == "2014-09-01");

  // He claims Мария: confirmed at once, by the state's word, and he is in the parents' chat.
  json link = s.Ok("POST", base + "/children:claim",
                   {{"childId", children["children"][0]["id"]}}, father);
  CHECK(link["studentId"] == maria);
  CHECK(link["state"] == "PARENT_LINK_STATE_CONFIRMED");
  CHECK(link["confirmedByGovernment"] == true);
  json chat = s.WaitForChat(father, "CHAT_KIND_CLASS_PARENTS", class_id);
  CHECK(chat["id"] == chat_id);
  json history = s.Ok("GET", "/v1/chats/" + chat_id + "/messages", nullptr, father);
  REQUIRE(history["messages"].size() == 1);
  CHECK(history["messages"][0]["text"]["body"] == "Родительское собрание в четверг в 18:00");
  // His second child is not in this school.
  auto elsewhere = s.Call("POST", base + "/children:claim",
                          {{"childId", children["children"][1]["id"]}}, father);
  CHECK(elsewhere.status == 404);
  CHECK(elsewhere.reason() == "CHILD_NOT_FOUND");

  // A mother who signed up by e-mail has no register to claim from, and the class teacher cannot
  // confirm her here; she stays out of the chat.
  std::string mother = g.SignUp("mother@mail.ru");
  auto no_register = s.Call("POST", base + "/children:claim",
                            {{"childId", children["children"][0]["id"]}}, mother);
  CHECK(no_register.reason() == "NOT_GOVERNMENT_VERIFIED");
  json invite = s.Ok("POST", base + "/students/" + maria + "/parentInvitations", json::object(),
                     father);
  json pending = s.Ok("POST", "/v1/invitations:redeem", {{"code", invite["code"]}}, mother);
  auto refused = s.Call(
      "POST", base + "/parentLinks/" + pending["parentLink"]["id"].get<std::string>() + ":confirm",
      json::object(), teacher);
  CHECK(refused.reason() == "PARENT_NOT_VERIFIED");
  auto closed = s.Call("GET", "/v1/chats/" + chat_id + "/messages", nullptr, mother);
  CHECK(closed.status == 403);
}

}  // namespace
}  // namespace parta
