// People and their data across the services, through the gateway: a father downloads his son's
// data, then asks for his erasure and every service shows the pupil gone (identity's tombstone, the
// directory's rosters and audit log, messaging's chats — his words gone, the evidence of an open
// report kept —, content's files); a school's admin writes to support and an operator answers.

#include <catch2/catch.hpp>

#include "tests/e2e/system_fixture.h"
#include "tests/e2e/zip_entries.h"

namespace parta {
namespace {

using gateway::testing::ClientResponse;
using gateway::testing::GatewayFixture;
using nlohmann::json;
using testing::SystemFixture;

ClientResponse Download(GatewayFixture& g, const std::string& version_id,
                        const std::string& token) {
  return gateway::testing::HttpRequest(g.port(), "GET", "/v1/files/" + version_id, "",
                                       {{"Authorization", "Bearer " + token}}, absl::Seconds(30));
}

// The export, once it is no longer pending.
json WhenBuilt(SystemFixture& s, const std::string& export_id, const std::string& token) {
  json built;
  REQUIRE(SystemFixture::Eventually(
      [&] {
        built = s.Ok("GET", "/v1/dataExports/" + export_id, nullptr, token);
        return built["state"] != "DATA_EXPORT_STATE_PENDING";
      },
      absl::Seconds(60)));
  return built;
}

int Lines(const std::string& text) {
  return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

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

  // First his father downloads everything Parta holds about him: only a parent the school
  // confirmed may, and the archive becomes the father's file.
  CHECK(s.Call("POST", "/v1/dataExports", {{"personId", pupil_id}}, father).reason() ==
        "SCHOOL_REQUIRED");
  ClientResponse not_parent = s.Call("POST", "/v1/dataExports",
                                     {{"personId", pupil_id}, {"schoolId", school}}, classmate);
  CHECK(not_parent.status == 403);
  CHECK(not_parent.reason() == "NOT_CHILDS_PARENT");
  json asked_export =
      s.Ok("POST", "/v1/dataExports", {{"personId", pupil_id}, {"schoolId", school}}, father);
  const std::string export_id = asked_export["id"];
  CHECK(asked_export["personId"] == pupil_id);
  CHECK(s.Call("GET", "/v1/dataExports/" + export_id, nullptr, pupil).reason() ==
        "EXPORT_NOT_FOUND");
  json built = WhenBuilt(s, export_id, father);
  REQUIRE(built["state"] == "DATA_EXPORT_STATE_READY");
  CHECK(built.contains("expireTime"));
  const std::string archive_version = built["versionId"];
  ClientResponse archive = Download(g, archive_version, father);
  REQUIRE(archive.status == 200);
  CHECK(archive.header("content-type") == "application/zip");
  CHECK(Download(g, archive_version, classmate).status == 404);
  absl::StatusOr<std::map<std::string, std::string>> entries = testing::ZipEntries(archive.body);
  REQUIRE(entries.ok());
  for (const char* name :
       {"README.txt", "identity/account.json", "identity/sessions.json",
        "identity/account_audit.json", "directory/memberships.json",
        "directory/parent_links.json", "directory/consents.json", "messaging/chats.json",
        "messaging/messages.jsonl", "messaging/reactions.json", "content/files.json"}) {
    INFO(name);
    CHECK(entries->count(name) == 1);
  }
  json account = json::parse(entries->at("identity/account.json"));
  CHECK(account["id"] == pupil_id);
  CHECK(account["email"] == "vanya@gymn2.ru");
  CHECK(entries->at("identity/account.json").find("password") == std::string::npos);
  CHECK(entries->at("directory/memberships.json").find(class_id) != std::string::npos);
  CHECK(entries->at("directory/parent_links.json").find(g.UserIdOf(father)) !=
        std::string::npos);
  const std::string& written = entries->at("messaging/messages.jsonl");
  CHECK(Lines(written) == 2);
  CHECK(written.find("Меня зовут Ваня Петров, 6В") != std::string::npos);
  CHECK(written.find("Коля, ты дурак") != std::string::npos);
  CHECK(entries->at("messaging/chats.json").find(chat_id) != std::string::npos);
  CHECK(entries->at("content/files.json").find("Доклад о Петре I") != std::string::npos);
  CHECK(files_of_pupil() == 1);  // the archive is his father's, not his

  // Then his father asks for his erasure; only a parent the school confirmed may.
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

  // Content: his files are gone, and so is the archive of his data his father kept.
  CHECK(SystemFixture::Eventually([&] { return files_of_pupil() == 0; }));
  CHECK(SystemFixture::Eventually(
      [&] { return Download(g, archive_version, father).status == 404; }));
  CHECK(s.Call("GET", "/v1/dataExports/" + export_id, nullptr, father).reason() ==
        "EXPORT_NOT_FOUND");

  // It cannot be undone or asked again.
  gateway::testing::ClientResponse cancel = s.Call(
      "POST", "/v1/accounts/" + pupil_id + ":cancelErasure", {{"reason", "Ошибка"}}, op);
  CHECK(cancel.status == 400);
  CHECK(cancel.reason() == "ACCOUNT_DELETED");
}

TEST_CASE("A person exports his own data and nobody else reads it", "[e2e][export]") {
  auto system = SystemFixture::Start();
  if (!system) return;
  GatewayFixture& g = system->gateway();
  SystemFixture& s = *system;

  std::string teacher = g.SignUp("teacher@school5.ru");
  std::string stranger = g.SignUp("stranger@mail.ru");
  CHECK(s.Call("POST", "/v1/dataExports", {{"personId", "not-an-id"}}, teacher).reason() ==
        "INVALID_PERSON_ID");
  json first = s.Ok("POST", "/v1/dataExports", json::object(), teacher);
  CHECK(first["personId"] == g.UserIdOf(teacher));
  CHECK(first["requestedBy"] == g.UserIdOf(teacher));
  // Asking again while it is built answers the same export.
  json again = s.Ok("POST", "/v1/dataExports", {{"personId", g.UserIdOf(teacher)}}, teacher);
  if (again["state"] == "DATA_EXPORT_STATE_PENDING") CHECK(again["id"] == first["id"]);
  json built = WhenBuilt(s, first["id"], teacher);
  REQUIRE(built["state"] == "DATA_EXPORT_STATE_READY");
  CHECK(built["sizeBytes"].get<std::string>() != "0");

  // Only he sees it and reads it.
  CHECK(s.Call("GET", "/v1/dataExports/" + first["id"].get<std::string>(), nullptr, stranger)
            .reason() == "EXPORT_NOT_FOUND");
  CHECK(s.Ok("GET", "/v1/dataExports", nullptr, stranger)["exports"].empty());
  json mine = s.Ok("GET", "/v1/dataExports?pageSize=1", nullptr, teacher);
  REQUIRE(mine["exports"].size() == 1);
  CHECK(Download(g, built["versionId"], stranger).status == 404);
  ClientResponse archive = Download(g, built["versionId"], teacher);
  REQUIRE(archive.status == 200);
  absl::StatusOr<std::map<std::string, std::string>> entries = testing::ZipEntries(archive.body);
  REQUIRE(entries.ok());
  CHECK(json::parse(entries->at("identity/account.json"))["email"] == "teacher@school5.ru");
  CHECK(Lines(entries->at("messaging/messages.jsonl")) == 0);
  // A second export leaves the first archive out of his files' list.
  json second = s.Ok("POST", "/v1/dataExports", json::object(), teacher);
  json second_built = WhenBuilt(s, second["id"], teacher);
  REQUIRE(second_built["state"] == "DATA_EXPORT_STATE_READY");
  ClientResponse second_archive = Download(g, second_built["versionId"], teacher);
  REQUIRE(second_archive.status == 200);
  entries = testing::ZipEntries(second_archive.body);
  REQUIRE(entries.ok());
  for (const auto& [name, bytes] : *entries) CHECK(name.find(".zip") == std::string::npos);
  CHECK(entries->at("content/files.json").find(built["itemId"].get<std::string>()) ==
        std::string::npos);
}

// The entries of the school's missing-consents list naming `person_id`.
json MissingEntryOf(SystemFixture& s, const std::string& base, const std::string& admin,
                    const std::string& person_id) {
  const json page = s.Ok("GET", base + "/consents:missing", nullptr, admin);
  for (const json& entry : page["missing"]) {
    if (entry["personId"] == person_id) return entry;
  }
  return nullptr;
}

TEST_CASE("A father consents for his son, a new text asks again, a withdrawal closes the account",
          "[e2e][consent]") {
  auto system = SystemFixture::Start();
  if (!system) return;
  GatewayFixture& g = system->gateway();
  SystemFixture& s = *system;

  std::string op = s.SignUpOperator("operator@parta.ru");
  std::string school = s.Ok("POST", "/v1/schools",
                            {{"name", "МАОУ «Лицей № 9»"},
                             {"shortName", "Лицей № 9"},
                             {"regionCode", "74"},
                             {"timeZone", "Asia/Yekaterinburg"},
                             {"inn", "7707083893"},
                             {"ogrn", "1027700132195"}},
                            op)["id"];
  std::string base = "/v1/schools/" + school;
  std::string admin = s.Join(school, "director@lyceum9.ru", {{"role", "ROLE_ADMIN"}}, op);
  std::string class_id =
      s.Ok("POST", base + "/classes", {{"grade", 3}, {"letter", "А"}, {"academicYear", 2026}},
           admin)["id"];
  std::string pupil = s.Join(school, "masha@lyceum9.ru",
                             {{"role", "ROLE_STUDENT"}, {"classId", class_id}}, admin);
  const std::string pupil_id = g.UserIdOf(pupil);
  std::string father = g.SignUp("papa@mail.ru");
  json invite =
      s.Ok("POST", base + "/students/" + pupil_id + "/parentInvitations", json::object(), pupil);
  json link = s.Ok("POST", "/v1/invitations:redeem", {{"code", invite["code"]}}, father);
  s.Ok("POST", base + "/parentLinks/" + link["parentLink"]["id"].get<std::string>() + ":confirm",
       json::object(), admin);

  // The texts are public; the school sees that nobody has consented yet.
  std::map<std::string, std::string> version;
  const json texts = s.Ok("GET", "/v1/consentTexts", nullptr, "");
  for (const json& text : texts["texts"]) {
    version[text["purpose"]] = text["version"];
  }
  REQUIRE(version.count("CONSENT_PURPOSE_CHILD_DATA") == 1);
  json missing = MissingEntryOf(s, base, admin, pupil_id);
  REQUIRE(missing.is_object());
  CHECK(missing["purpose"] == "CONSENT_PURPOSE_CHILD_DATA");
  CHECK(missing["status"] == "CONSENT_STATUS_MISSING");
  CHECK(s.Call("GET", base + "/consents:missing", nullptr, pupil).status == 403);

  // Only her parent gives a consent for her, to the current text.
  const std::string consents = "/v1/people/" + pupil_id + "/consents";
  const json child_data = {{"purpose", "CONSENT_PURPOSE_CHILD_DATA"},
                           {"textVersion", version["CONSENT_PURPOSE_CHILD_DATA"]}};
  CHECK(s.Call("POST", consents, child_data, pupil).reason() == "NOT_ALLOWED_FOR_PERSON");
  CHECK(s.Call("POST", consents,
               {{"purpose", "CONSENT_PURPOSE_CHILD_DATA"}, {"textVersion", "1999-1"}}, father)
            .reason() == "TEXT_VERSION_OUTDATED");
  json given = s.Ok("POST", consents, child_data, father);
  CHECK(given["status"] == "CONSENT_STATUS_GIVEN");
  CHECK(given["givenBy"] == g.UserIdOf(father));
  CHECK(MissingEntryOf(s, base, admin, pupil_id).is_null());
  json log = s.Ok("GET", base + "/auditLog?personId=" + pupil_id, nullptr, admin);
  bool logged = false;
  for (const json& entry : log["entries"]) {
    logged |= entry["action"] == "consent_given:child_data" &&
              entry["actorId"] == g.UserIdOf(father);
  }
  CHECK(logged);

  // A new text asks again: the school sees the consent outdated.
  CHECK(s.Call("POST", "/v1/consentTexts",
               {{"purpose", "CONSENT_PURPOSE_CHILD_DATA"}, {"version", "2027-1"}, {"text", "…"}},
               admin)
            .reason() == "OPERATOR_ONLY");
  s.Ok("POST", "/v1/consentTexts",
       {{"purpose", "CONSENT_PURPOSE_CHILD_DATA"},
        {"version", "2027-1"},
        {"text", "Согласие законного представителя на обработку персональных данных ребёнка"}},
       op);
  missing = MissingEntryOf(s, base, admin, pupil_id);
  REQUIRE(missing.is_object());
  CHECK(missing["status"] == "CONSENT_STATUS_OUTDATED");
  s.Ok("POST", consents,
       {{"purpose", "CONSENT_PURPOSE_CHILD_DATA"}, {"textVersion", "2027-1"}}, father);
  CHECK(MissingEntryOf(s, base, admin, pupil_id).is_null());

  // Withdrawn, Parta may no longer process her data: her account is closed at once.
  json withdrawn = s.Ok("POST", consents + ":withdraw",
                        {{"purpose", "CONSENT_PURPOSE_CHILD_DATA"}}, father);
  CHECK(withdrawn["status"] == "CONSENT_STATUS_WITHDRAWN");
  CHECK(SystemFixture::Eventually(
      [&] { return s.Call("GET", "/v1/me", nullptr, pupil).status == 401; }));
  CHECK(s.Call("POST", consents + ":withdraw", {{"purpose", "CONSENT_PURPOSE_CHILD_DATA"}},
               father)
            .reason() == "NO_CONSENT");
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
