// A school's year through the gateway, over HTTP only, with the real identity and directory
// services: an operator creates the school and invites its admin; the admin makes a class,
// invites a teacher and imports the roster; a pupil activates his school-managed account; his
// parent joins through the child's invitation and is confirmed; a join request is approved; the
// year rolls over; and a person of the school cannot touch another school.

#include <catch2/catch.hpp>

#include "tests/e2e/system_fixture.h"

namespace parta {
namespace {

using gateway::testing::ClientResponse;
using gateway::testing::GatewayFixture;
using nlohmann::json;
using testing::SystemFixture;

TEST_CASE("A school's year through the gateway: from an operator's school to the rollover",
          "[e2e][directory]") {
  auto story = SystemFixture::Start();
  if (!story) return;
  GatewayFixture& g = story->gateway();

  // The platform operator: the flag is set as `parta-identity create-operator` does, and taken
  // into a token at the next sign-in.
  std::string op = story->SignUpOperator("operator@parta.ru");

  json school = story->Ok("POST", "/v1/schools",
                          {{"name", "МБОУ «Средняя школа № 7»"},
                           {"shortName", "Школа № 7"},
                           {"regionCode", "66"},
                           {"timeZone", "Asia/Yekaterinburg"},
                           {"inn", "7707083893"},
                           {"ogrn", "1027700132195"}},
                          op);
  std::string id = school["id"];
  std::string base = "/v1/schools/" + id;

  std::string admin = g.SignUp("director@school7.ru");
  json invite = story->Ok("POST", base + "/invitations", {{"role", "ROLE_ADMIN"}}, op);
  story->Ok("POST", "/v1/invitations:redeem", {{"code", invite["code"]}}, admin);

  json klass = story->Ok("POST", base + "/classes",
                         {{"grade", 5}, {"letter", "A"}, {"academicYear", 2026}}, admin);
  CHECK(klass["displayName"] == "5А");
  std::string class_id = klass["id"];

  std::string teacher = g.SignUp("teacher@school7.ru");
  std::string teacher_id = g.UserIdOf(teacher);
  invite = story->Ok("POST", base + "/invitations", {{"role", "ROLE_TEACHER"}}, admin);
  story->Ok("POST", "/v1/invitations:redeem", {{"code", invite["code"]}}, teacher);
  story->Ok("PATCH", base + "/classes/" + class_id + "?updateMask=classTeacherId",
            {{"classTeacherId", teacher_id}}, admin);

  // The roster file; the pupil signs in with what the school printed.
  json report = story->Ok(
      "POST", base + ":importRoster",
      {{"academicYear", 2026},
       {"csv",
        "Класс;Фамилия;Имя;Отчество;Дата рождения;Роль\n5А;Иванов;Пётр;;14.03.2015;ученик\n"}},
      admin);
  REQUIRE(report["people"].size() == 1);
  json pupil = report["people"][0];
  std::string student = story->Ok("POST", "/v1/sessions:activate",
                                  {{"login", pupil["username"]},
                                   {"code", pupil["loginCode"]},
                                   {"newPassword", "Пароль пятиклассника на весь год 1"}},
                                  "")["accessToken"];
  std::string student_id = pupil["accountId"];

  // His parent: invited from his profile, pending until the class teacher confirms.
  std::string parent = g.SignUp("mother@mail.ru");
  invite = story->Ok("POST", base + "/students/" + student_id + "/parentInvitations",
                     json::object(), student);
  json redeemed = story->Ok("POST", "/v1/invitations:redeem", {{"code", invite["code"]}}, parent);
  CHECK(redeemed["parentLink"]["state"] == "PARENT_LINK_STATE_PENDING");
  CHECK(story->Call("GET", base + "/classes/" + class_id + "/roster", nullptr, parent).status ==
        404);
  story->Ok("POST",
            base + "/parentLinks/" + redeemed["parentLink"]["id"].get<std::string>() + ":confirm",
            json::object(), teacher);
  json roster = story->Ok("GET", base + "/classes/" + class_id + "/roster", nullptr, parent);
  CHECK(roster["parents"].size() == 1);

  // The mother turns her son's safe mode off, naming the field she changes, once she agreed to
  // the whole school seeing him.
  const std::string settings = base + "/students/" + student_id + "/settings";
  CHECK(story->Call("PATCH", settings, {{"safeMode", false}}, parent).status == 400);
  CHECK(story->Call("PATCH", settings + "?updateMask=safeMode", {{"safeMode", false}}, parent)
            .reason() == "CONSENT_REQUIRED");
  std::string visibility_version;
  const json texts = story->Ok("GET", "/v1/consentTexts", nullptr, parent);
  for (const json& text : texts["texts"]) {
    if (text["purpose"] == "CONSENT_PURPOSE_SCHOOL_WIDE_VISIBILITY") {
      visibility_version = text["version"];
    }
  }
  json consent = story->Ok("POST", "/v1/people/" + student_id + "/consents",
                           {{"purpose", "CONSENT_PURPOSE_SCHOOL_WIDE_VISIBILITY"},
                            {"textVersion", visibility_version}},
                           parent);
  CHECK(consent["status"] == "CONSENT_STATUS_GIVEN");
  json changed =
      story->Ok("PATCH", settings + "?updateMask=safeMode", {{"safeMode", false}}, parent);
  CHECK(changed["studentId"] == student_id);
  CHECK(changed["safeMode"] == false);

  // An invitation for an hour (a Duration in JSON); the school's invitations, a page at a time.
  json hour = story->Ok("POST", base + "/invitations",
                        {{"role", "ROLE_EMPLOYEE"}, {"ttl", "3600s"}}, admin);
  CHECK(hour["invitation"]["role"] == "ROLE_EMPLOYEE");
  CHECK(
      story->Call("POST", base + "/invitations", {{"role", "ROLE_EMPLOYEE"}, {"ttl", "-5s"}}, admin)
          .status == 400);
  std::vector<std::string> listed;
  std::string page_token;
  do {
    json page = story->Ok(
        "GET", base + "/invitations?includeInactive=true&pageSize=2&pageToken=" + page_token,
        nullptr, admin);
    CHECK(page["invitations"].size() <= 2);
    for (const json& invitation : page["invitations"]) listed.push_back(invitation["id"]);
    page_token = page["nextPageToken"];
  } while (!page_token.empty() && listed.size() < 100);
  CHECK(listed.size() == 4);  // the admin's, the teacher's, the parent's and this one
  CHECK(listed.front() == hour["invitation"]["id"]);  // newest first

  // A join request, approved by the class teacher.
  std::string newcomer = g.SignUp("newcomer@mail.ru");
  json request = story->Ok("POST", base + "/joinRequests",
                           {{"role", "ROLE_STUDENT"}, {"classId", class_id}}, newcomer);
  story->Ok("POST", base + "/joinRequests/" + request["id"].get<std::string>() + ":approve",
            json::object(), teacher);
  json check = story->Ok("POST", "/v1/permissions:check",
                         {{"permission", "class.students_chat"},
                          {"resource", "schools/" + id + "/classes/" + class_id}},
                         newcomer);
  CHECK(check["allowed"] == true);

  // Presence follows the visibility table: the pupil sees his classmate, his teacher (online on a
  // WebSocket) and his mother; the operator, of no school of his, stays hidden.
  auto socket = g.Connect(teacher);
  REQUIRE(socket != nullptr);
  REQUIRE(socket->ReadType("ready", absl::Seconds(5)).has_value());
  std::string newcomer_id = g.UserIdOf(newcomer);
  std::string parent_id = g.UserIdOf(parent);
  std::string op_id = g.UserIdOf(op);
  json presence =
      story->Ok("GET",
                "/v1/presence?schoolId=" + id + "&userIds=" + newcomer_id +
                    "&userIds=" + teacher_id + "&userIds=" + parent_id + "&userIds=" + op_id,
                nullptr, student);
  REQUIRE(presence["presences"].size() == 4);
  CHECK(presence["presences"][0]["visible"] == true);
  CHECK(presence["presences"][1]["visible"] == true);
  CHECK(presence["presences"][1]["online"] == true);
  CHECK(presence["presences"][2]["visible"] == true);
  CHECK(presence["presences"][3]["visible"] == false);
  std::string outsider = g.SignUp("outsider@mail.ru");
  CHECK(
      story
          ->Call("GET", "/v1/presence?schoolId=" + id + "&userIds=" + teacher_id, nullptr, outsider)
          .reason() == "SCHOOL_NOT_FOUND");

  // The year rolls over: a dry run, then the real one; 5А is 6А of 2027 with its people.
  json plan = story->Ok("POST", base + ":rollover", {{"fromYear", 2026}, {"dryRun", true}}, admin);
  json done = story->Ok("POST", base + ":rollover", {{"fromYear", 2026}}, admin);
  REQUIRE(done["transfers"].size() == 1);
  CHECK(plan["transfers"][0]["toDisplayName"] == done["transfers"][0]["toDisplayName"]);
  std::string sixth = done["transfers"][0]["toClassId"];
  roster = story->Ok("GET", base + "/classes/" + sixth + "/roster", nullptr, student);
  CHECK(roster["class"]["displayName"] == "6А");
  CHECK(roster["studentIds"].size() == 2);
  CHECK(roster["parents"].size() == 1);

  // Another school's objects stay out of reach.
  json other = story->Ok("POST", "/v1/schools",
                         {{"name", "Гимназия № 2"},
                          {"shortName", "Гимназия № 2"},
                          {"regionCode", "66"},
                          {"timeZone", "Asia/Yekaterinburg"},
                          {"inn", "7736050003"},
                          {"ogrn", "1027700132195"}},
                         op);
  ClientResponse foreign =
      story->Call("GET", "/v1/schools/" + other["id"].get<std::string>(), nullptr, admin);
  CHECK(foreign.status == 404);
  CHECK(foreign.reason() == "SCHOOL_NOT_FOUND");
  ClientResponse forged =
      story->Call("POST", "/v1/schools/" + other["id"].get<std::string>() + "/invitations",
                  {{"role", "ROLE_ADMIN"}}, admin);
  CHECK(forged.status == 404);
}

}  // namespace
}  // namespace parta
