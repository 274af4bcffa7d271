// Calls in a real browser: the whole system (identity, directory, messaging, signaling, the
// gateway) with a private coturn or Janus, and headless Chromium pages on the gateway's demo
// client (calls_*.mjs) signed in as real Parta users.

#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "libs/testing/janus_server.h"
#include "libs/testing/turn_server.h"
#include "tests/browser/node_runner.h"
#include "tests/e2e/system_fixture.h"

namespace parta {
namespace {

using nlohmann::json;
using testing::SystemFixture;

// A school with a class, its teacher and a pupil of it; their tokens and ids.
struct Classroom {
  std::string school_id, class_id;
  std::string teacher, pupil;  // tokens
  std::string teacher_id, pupil_id;
};

Classroom MakeClassroom(SystemFixture& s) {
  Classroom c;
  const std::string op = s.SignUpOperator("operator@calls.parta.ru");
  c.school_id = s.Ok("POST", "/v1/schools",
                     {{"name", "МБОУ «Лицей № 3»"},
                      {"shortName", "Лицей № 3"},
                      {"regionCode", "77"},
                      {"timeZone", "Europe/Moscow"},
                      {"inn", "7707083893"},
                      {"ogrn", "1027700132195"}},
                     op)["id"];
  const std::string base = "/v1/schools/" + c.school_id;
  const std::string admin = s.Join(c.school_id, "director@licey3.ru", {{"role", "ROLE_ADMIN"}}, op);
  c.class_id = s.Ok("POST", base + "/classes",
                    {{"grade", 7}, {"letter", "Б"}, {"academicYear", 2026}}, admin)["id"];
  c.teacher = s.Join(c.school_id, "teacher@licey3.ru", {{"role", "ROLE_TEACHER"}}, admin);
  c.teacher_id = s.gateway().UserIdOf(c.teacher);
  s.Ok("PATCH", base + "/classes/" + c.class_id + "?updateMask=classTeacherId",
       {{"classTeacherId", c.teacher_id}}, admin);
  c.pupil = s.Join(c.school_id, "pupil@licey3.ru",
                   {{"role", "ROLE_STUDENT"}, {"classId", c.class_id}}, c.teacher);
  c.pupil_id = s.gateway().UserIdOf(c.pupil);
  return c;
}

// The call notices of a chat, newest first.
std::vector<json> CallNotices(SystemFixture& s, const std::string& chat_id,
                              const std::string& token) {
  json page = s.Ok("GET", "/v1/chats/" + chat_id + "/messages", nullptr, token);
  std::vector<json> notices;
  for (const json& message : page["messages"]) {
    if (message.contains("call")) notices.push_back(message["call"]);
  }
  return notices;
}

TEST_CASE("A teacher calls a pupil from their direct chat: two Chromium pages connect directly "
          "and through TURN, and a closed page leaves",
          "[e2e][browser][calls]") {
  parta::testing::PrivateTurn turn;
  auto system = SystemFixture::Start([&](signaling::SignalingConfig& config) {
    config.ice.stun_urls = {turn.stun_url()};
    config.ice.turn_urls = turn.turn_urls();
    config.ice.turn_secret = turn.secret();
    // Short, so the closed page is gone soon; not shorter: the demo client beats every 2.5 s
    // after a start (StartCall's HTTP answer is only the call, without the interval), and the
    // window of three intervals must hold that under a loaded machine.
    config.calls.heartbeat_interval = absl::Seconds(2);
  });
  if (!system) return;
  Classroom c = MakeClassroom(*system);
  const std::string chat = system->Ok("POST", "/v1/schools/" + c.school_id + "/directChats",
                                      {{"userId", c.pupil_id}}, c.teacher)["id"];

  int exit_code = parta::testing::RunBrowserScript(
      "calls_1to1.mjs",
      {"--gateway", absl::StrCat("http://127.0.0.1:", system->gateway().port()), "--chat", chat,
       "--caller-token", c.teacher, "--callee-token", c.pupil, "--timeout-ms", "60000"});
  INFO("coturn's log:\n" << parta::testing::ReadTextFile(turn.log_file()));
  REQUIRE(exit_code == 0);

  // Both calls show in the chat: each started and ended, two people in each.
  std::vector<json> notices;
  REQUIRE(SystemFixture::Eventually([&] {
    notices = CallNotices(*system, chat, c.pupil);
    return notices.size() == 4;
  }));
  CHECK(notices[0]["kind"] == "CALL_NOTICE_KIND_ENDED");
  CHECK(notices[0]["participantCount"] == 2);
  CHECK(notices[3]["kind"] == "CALL_NOTICE_KIND_STARTED");
}

// The last lines of a text file, for a failing test to show.
std::string Tail(const std::string& path, size_t lines) {
  const std::string text = parta::testing::ReadTextFile(path);
  size_t start = text.size();
  for (size_t seen = 0; start > 0 && seen <= lines; --start) {
    if (text[start - 1] == '\n') ++seen;
  }
  return text.substr(start);
}

TEST_CASE("A teacher's lesson through Janus: four Chromium pages see each other, a pupil is let "
          "speak and muted again at the SFU, another is removed, and the lesson ends",
          "[e2e][browser][calls]") {
  parta::testing::PrivateJanus janus;
  auto system = SystemFixture::Start([&](signaling::SignalingConfig& config) {
    config.janus.servers = {{.api_url = janus.api_url(), .admin_url = janus.admin_url()}};
    config.janus.api_secret = janus.api_secret();
    config.janus.admin_secret = janus.admin_secret();
    config.janus.admin_key = janus.admin_key();
  });
  if (!system) return;
  Classroom c = MakeClassroom(*system);
  std::vector<std::string> pupils = {c.pupil};
  for (const char* email : {"pupil2@licey3.ru", "pupil3@licey3.ru"}) {
    pupils.push_back(system->Join(c.school_id, email,
                                  {{"role", "ROLE_STUDENT"}, {"classId", c.class_id}}, c.teacher));
  }
  const std::string chat =
      system->WaitForChat(c.teacher, "CHAT_KIND_CLASS_STUDENTS", c.class_id)["id"];
  for (const std::string& pupil : pupils) {
    system->WaitForChat(pupil, "CHAT_KIND_CLASS_STUDENTS", c.class_id);
  }

  const int exit_code = parta::testing::RunBrowserScript(
      "calls_group.mjs",
      {"--gateway", absl::StrCat("http://127.0.0.1:", system->gateway().port()), "--chat", chat,
       "--teacher-token", c.teacher, "--pupil-tokens", absl::StrJoin(pupils, ","), "--timeout-ms",
       // A bound for each step, not a pace: four Chromium pages and Janus share one core in the
       // single-core run, beside another test.
       "60000"});
  const std::string janus_log = exit_code == 0 ? "" : Tail(janus.log_file(), 60);
  INFO("Janus's log ends with:\n" << janus_log);
  REQUIRE(exit_code == 0);

  // The chat shows the lesson: started, then ended with the four people who took part.
  std::vector<json> notices;
  REQUIRE(SystemFixture::Eventually([&] {
    notices = CallNotices(*system, chat, c.teacher);
    return notices.size() == 2;
  }));
  CHECK(notices[0]["kind"] == "CALL_NOTICE_KIND_ENDED");
  CHECK(notices[0]["participantCount"] == 4);
  CHECK(notices[1]["kind"] == "CALL_NOTICE_KIND_STARTED");

  // The attendance lists the four people, each with his join and leave times.
  const std::string call_id = notices[0]["callId"];
  auto attendance = system->Call("GET", "/v1/calls/" + call_id + "/attendance", nullptr, c.teacher);
  REQUIRE(attendance.status == 200);
  std::vector<std::string> rows =
      absl::StrSplit(attendance.body.substr(3), "\r\n", absl::SkipEmpty());  // after the BOM
  REQUIRE(rows.size() == 5);
  std::set<std::string> people;
  for (size_t i = 1; i < rows.size(); ++i) {
    std::vector<std::string> fields = absl::StrSplit(rows[i], ';');
    REQUIRE(fields.size() == 7);
    people.insert(fields[1]);
    CHECK_FALSE(fields[3].empty());  // joined
    CHECK_FALSE(fields[4].empty());  // left
  }
  std::set<std::string> expected = {system->gateway().UserIdOf(c.teacher)};
  for (const std::string& pupil : pupils) expected.insert(system->gateway().UserIdOf(pupil));
  CHECK(people == expected);
  CHECK(absl::StrContains(attendance.body, ";удалён ведущим\r\n"));
}

}  // namespace
}  // namespace parta
