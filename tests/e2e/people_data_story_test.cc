// People and their data across the services, through the gateway: a father asks for his son's
// erasure and every service shows the pupil gone (identity's tombstone, the
// directory's rosters and audit log, messaging's chats — his words gone, the evidence of an open
// report kept —, content's files); a school's admin writes to support and an operator answers.

#include <catch2/catch.hpp>

#include "tests/e2e/system_fixture.h"

namespace parta {
namespace {

using gateway::testing::GatewayFixture;
using nlohmann::json;
using testing::SystemFixture;

bool HasMember(const json& members, const std::string& user_id) {
  for (const json& member : members["members"]) {
    if (member["userId"] == user_id) return true;
  }
  return false;
}

TEST_CASE("A pupil's erasure reaches every service", "[e2e][erasure]") {
  auto system = SystemFixture::Start(nullptr, [](identity::IdentityConfig& config) {
    // Final at once: the grace period and its cancelling are identity's api tests'.
    config.identity.erasure_grace = absl::ZeroDuration();
    config.erasure_poll_interval = absl::Milliseconds(50);
  });
  if (!system) return;
  GatewayFixture& g = system->gateway();
  SystemFixture& s = *system;

  std::string op = s.SignUpOperator("operator@parta.ru");
  std::string school = s.Ok("POST", "/v1/schools",
                            {{"name", "МБОУ «Гимназия № 2»"},
                             {"shortName", "Гимназия № 2"},
                             {"regionCode", "66"},
                             {"timeZone", "Asia/Yekaterinburg"},
                             {"inn", "7707083893"},
                             {"ogrn", "1027700132195"}},
                            op)["id"];
  std::string base = "/v1/schools/" + school;
  std::string admin = s.Join(school, "director@gymn2.ru", {{"role", "ROLE_ADMIN"}}, op);
  std::string class_id =
      s.Ok("POST", base + "/classes", {{"grade", 6}, {"letter", "в"}, {"academicYear", 2026}},
           admin)["id"];
  std::string pupil = s.Join(school, "vanya@gymn2.ru",
                             {{"role", "ROLE_STUDENT"}, {"classId", class_id}}, admin);
  std::string classmate = s.Join(school, "kolya@gymn2.ru",
                                 {{"role", "ROLE_STUDENT"}, {"classId", class_id}}, admin);
  const std::string pupil_id = g.UserIdOf(pupil);
  std::string father = g.SignUp("father@mail.ru");
  json invite =
      s.Ok("POST", base + "/students/" + pupil_id + "/parentInvitations", json::object(), pupil);
  json link = s.Ok("POST", "/v1/invitations:redeem", {{"code", invite["code"]}}, father);
  s.Ok("POST", base + "/parentLinks/" + link["parentLink"]["id"].get<std::string>() + ":confirm",
       json::object(), admin);

  // He writes in his class chat; one message is reported to the school's admins.
  std::string chat_id = s.WaitForChat(pupil, "CHAT_KIND_CLASS_STUDENTS", class_id)["id"];
  s.WaitForChat(classmate, "CHAT_KIND_CLASS_STUDENTS", class_id);
  std::string chat = "/v1/chats/" + chat_id;
  s.Ok("POST", chat + "/messages",
       {{"requestId", "vanya-1"}, {"text", {{"body", "Меня зовут Ваня Петров, 6В"}}}}, pupil);
  json rude = s.Ok("POST", chat + "/messages",
                   {{"requestId", "vanya-2"}, {"text", {{"body", "Коля, ты дурак"}}}}, pupil);
  s.Ok("POST", chat + "/messages/" + rude["id"].get<std::string>() + ":report",
       {{"reason", "Оскорбление"}}, classmate);

  // And keeps a report of his own in «Мои файлы».
  s.Ok("POST", "/v1/me/articles",
       {{"requestId", "report-1"},
        {"item", {{"title", "Доклад о Петре I"}, {"articleHtml", "<p>Ваня Петров, 6В</p>"}}}},
       pupil);
  std::unique_ptr<pg::Pool> content_db = s.content_schema().MakePool(1);
  auto files_of_pupil = [&] {
    int64_t count = -1;
    REQUIRE(content_db
                ->Transact([&](pqxx::work& tx) {
                  count = tx.exec_params1("SELECT count(*) FROM items WHERE owner_user_id = $1",
                                          pupil_id)[0]
                              .as<int64_t>();
                  return absl::OkStatus();
                })
                .ok());
    return count;
  };
  CHECK(files_of_pupil() == 1);

  // His father asks for his erasure; only a parent the school confirmed may.
  const std::string erase = base + "/students/" + pupil_id + ":requestErasure";
  gateway::testing::ClientResponse refused =
      s.Call("POST", erase, {{"reason", "Хочу удалить одноклассника"}}, classmate);
  CHECK(refused.status == 403);
  CHECK(refused.reason() == "NOT_CHILDS_PARENT");
  CHECK(s.Call("POST", erase, {{"reason", " "}}, father).reason() == "REASON_REQUIRED");
  CHECK(s.Call("POST", base + "/students/" + g.UserIdOf(classmate) + ":requestErasure",
               {{"reason", "Не мой сын"}}, father)
            .reason() == "NOT_CHILDS_PARENT");
  CHECK(s.Call("POST", base + "/students/" + g.UserIdOf(admin) + ":requestErasure",
               {{"reason", "Не ученик"}}, father)
            .reason() == "MEMBER_NOT_FOUND");
  json closed = s.Ok("POST", erase, {{"reason", "Прошу удалить данные сына"}}, father);
  CHECK(closed.contains("eraseTime"));
  CHECK(SystemFixture::Eventually(
      [&] { return s.Call("GET", "/v1/me", nullptr, pupil).status == 401; }));

  // Identity: a tombstone.
  CHECK(SystemFixture::Eventually([&] {
    json found = s.Ok("POST", "/v1/accounts:lookUp",
                      {{"accountId", pupil_id}, {"reason", "Проверка удаления"}}, op);
    return found["accounts"].size() == 1 &&
           found["accounts"][0]["state"] == "ACCOUNT_STATE_DELETED" &&
           found["accounts"][0]["displayName"] == "Удалённый пользователь" &&
           found["accounts"][0].value("email", "").empty();
  }));
  // The directory: out of the school and its class, his family's tie with it ended, and the
  // school's log says so.
  CHECK(SystemFixture::Eventually([&] {
    return !HasMember(s.Ok("GET", base + "/members", nullptr, admin), pupil_id);
  }));
  CHECK_FALSE(HasMember(s.Ok("GET", base + "/members", nullptr, admin), g.UserIdOf(father)));
  json log = s.Ok("GET", base + "/auditLog?action=account_*&personId=" + pupil_id, nullptr, admin);
  REQUIRE(log["entries"].size() == 2);
  CHECK(log["entries"][0]["action"] == "account_erased");
  CHECK(log["entries"][1]["action"] == "account_closed");
  CHECK(log["entries"][1]["actorId"] == g.UserIdOf(father));
  json asked = s.Ok("GET", base + "/auditLog?action=erasure_requested", nullptr, admin);
  REQUIRE(asked["entries"].size() == 1);
  CHECK(asked["entries"][0]["actorId"] == g.UserIdOf(father));
  CHECK(asked["entries"][0]["subjectId"] == pupil_id);
  // Messaging: his words are gone from the chat, he is no member of it; the report's evidence
  // stays with the admins until they resolve it.
  CHECK(SystemFixture::Eventually([&] {
    json messages = s.Ok("GET", chat + "/messages", nullptr, classmate);
    int his = 0;
    for (const json& message : messages["messages"]) {
      if (message["authorId"] != pupil_id) continue;
      ++his;
      if (!message.value("deleted", false) || message.contains("text")) return false;
    }
    return his == 2;
  }));
  json members = s.Ok("GET", chat + "/members", nullptr, classmate);
  for (const json& member : members["members"]) CHECK(member["userId"] != pupil_id);
  json reports = s.Ok("GET", base + "/reports?openOnly=true", nullptr, admin);
  REQUIRE(reports["reports"].size() == 1);
  CHECK(reports["reports"][0]["evidence"]["text"]["body"] == "Коля, ты дурак");
  // Searching the chat finds nothing of his.
  // ("Петров", percent-encoded)
  json found = s.Ok("GET", "/v1/messages:search?query=%D0%9F%D0%B5%D1%82%D1%80%D0%BE%D0%B2",
                    nullptr, classmate);
  CHECK(found["messages"].empty());

  // Content: his files are gone.
  CHECK(SystemFixture::Eventually([&] { return files_of_pupil() == 0; }));

  // It cannot be undone or asked again.
  gateway::testing::ClientResponse cancel = s.Call(
      "POST", "/v1/accounts/" + pupil_id + ":cancelErasure", {{"reason", "Ошибка"}}, op);
  CHECK(cancel.status == 400);
  CHECK(cancel.reason() == "ACCOUNT_DELETED");
}

TEST_CASE("A school's admin writes to support and an operator answers", "[e2e][support]") {
  auto system = SystemFixture::Start();
  if (!system) return;
  GatewayFixture& g = system->gateway();
  SystemFixture& s = *system;

  std::string op = s.SignUpOperator("operator@parta.ru");
  std::string school = s.Ok("POST", "/v1/schools",
                            {{"name", "МБОУ «СОШ № 14»"},
                             {"shortName", "СОШ № 14"},
                             {"regionCode", "54"},
                             {"timeZone", "Asia/Novosibirsk"},
                             {"inn", "7707083893"},
                             {"ogrn", "1027700132195"}},
                            op)["id"];
  std::string base = "/v1/schools/" + school;
  std::string admin = s.Join(school, "director@school14.ru", {{"role", "ROLE_ADMIN"}}, op);
  std::string teacher = s.Join(school, "teacher@school14.ru", {{"role", "ROLE_TEACHER"}}, admin);

  // The admin opens the line (the directory's roles reach messaging first).
  json support;
  REQUIRE(SystemFixture::Eventually([&] {
    gateway::testing::ClientResponse opened =
        s.Call("POST", base + "/supportChat", json::object(), admin);
    if (opened.status != 200) return false;
    support = opened.json();
    return true;
  }));
  CHECK(support["kind"] == "CHAT_KIND_SUPPORT");
  CHECK(s.Call("POST", base + "/supportChat", json::object(), teacher).status == 403);
  const std::string chat = "/v1/chats/" + support["id"].get<std::string>();
  s.Ok("POST", chat + "/messages",
       {{"requestId", "help-1"}, {"text", {{"body", "Не приходят письма родителям"}}}}, admin);

  // Operators see it waiting, take it up and answer.
  json waiting = s.Ok("GET", "/v1/supportChats", nullptr, op);
  REQUIRE(waiting["chats"].size() == 1);
  CHECK(waiting["chats"][0]["awaitingAnswer"] == true);
  CHECK(s.Call("GET", "/v1/supportChats", nullptr, admin).status == 403);
  s.Ok("POST", "/v1/supportChats/" + support["id"].get<std::string>() + ":join", json::object(),
       op);
  s.Ok("POST", chat + "/messages",
       {{"requestId", "answer-1"}, {"text", {{"body", "Проверили: письма уходят, смотрите спам"}}}},
       op);
  json messages = s.Ok("GET", chat + "/messages", nullptr, admin);
  REQUIRE(messages["messages"].size() == 2);
  int answers = 0;
  for (const json& message : messages["messages"]) {
    if (message["authorId"] == g.UserIdOf(op)) ++answers;
  }
  CHECK(answers == 1);
  json answered = s.Ok("GET", "/v1/supportChats", nullptr, op);
  REQUIRE(answered["chats"].size() == 1);
  CHECK_FALSE(answered["chats"][0].value("awaitingAnswer", false));
  CHECK(answered["chats"][0]["answeredBy"] == json::array({g.UserIdOf(op)}));
  // The teacher does not read it.
  CHECK(s.Call("GET", chat + "/messages", nullptr, teacher).status == 403);
}

}  // namespace
}  // namespace parta
