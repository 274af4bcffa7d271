// A call's attendance through the gateway: a teacher calls a pupil in their direct chat, the
// pupil drops out and comes back, the teacher ends the call; the host and the school's admin
// download the attendance as a CSV file with everyone's names and times in the school's time
// zone, and nobody else gets it.

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "tests/e2e/system_fixture.h"

namespace parta {
namespace {

using gateway::testing::GatewayFixture;
using nlohmann::json;
using testing::SystemFixture;

// A school in Yekaterinburg (UTC+5) with an admin, a teacher and two pupils; the tokens.
struct School {
  std::string id, admin, teacher, pupil, classmate;
};

School MakeSchool(SystemFixture& s, GatewayFixture& g, const std::string& op, int n) {
  const std::string inns[] = {"7707083893", "7736050003"};
  const std::string domain = "school" + std::to_string(n) + ".ru";
  School school;
  school.id = s.Ok("POST", "/v1/schools",
                   {{"name", "Гимназия № " + std::to_string(n)},
                    {"shortName", "Гимназия " + std::to_string(n)},
                    {"regionCode", "66"},
                    {"timeZone", "Asia/Yekaterinburg"},
                    {"inn", inns[n - 1]},
                    {"ogrn", "1027700132195"}},
                   op)["id"];
  school.admin = s.Join(school.id, "admin@" + domain, {{"role", "ROLE_ADMIN"}}, op);
  std::string class_id = s.Ok("POST", "/v1/schools/" + school.id + "/classes",
                              {{"grade", 5}, {"letter", "А"}, {"academicYear", 2026}},
                              school.admin)["id"];
  school.teacher = s.Join(school.id, "teacher@" + domain, {{"role", "ROLE_TEACHER"}}, school.admin);
  s.Ok("PATCH", "/v1/schools/" + school.id + "/classes/" + class_id + "?updateMask=classTeacherId",
       {{"classTeacherId", g.UserIdOf(school.teacher)}}, school.admin);
  school.pupil = s.Join(school.id, "pupil@" + domain,
                        {{"role", "ROLE_STUDENT"}, {"classId", class_id}}, school.admin);
  school.classmate = s.Join(school.id, "classmate@" + domain,
                            {{"role", "ROLE_STUDENT"}, {"classId", class_id}}, school.admin);
  auto rename = [&](const std::string& token, const std::string& name) {
    s.Ok("PATCH", "/v1/me", {{"displayName", name}, {"updateMask", "displayName"}}, token);
  };
  rename(school.teacher, "Ольга Петровна Смирнова");
  rename(school.pupil, "Ёжиков Пётр");
  return school;
}

std::vector<std::string> Lines(const std::string& csv) {
  return absl::StrSplit(csv, "\r\n", absl::SkipEmpty());
}

TEST_CASE("A call's attendance downloads as a CSV file for its host and the school's admin only",
          "[e2e][signaling]") {
  auto system = SystemFixture::Start();
  if (!system) return;
  GatewayFixture& g = system->gateway();
  SystemFixture& s = *system;
  std::string op = s.SignUpOperator("operator@parta.ru");
  School a = MakeSchool(s, g, op, 1);
  School b = MakeSchool(s, g, op, 2);

  std::string direct = s.Ok("POST", "/v1/schools/" + a.id + "/directChats",
                            {{"userId", g.UserIdOf(a.pupil)}}, a.teacher)["id"];
  json call = s.Ok("POST", "/v1/chats/" + direct + "/calls", {{"requestId", "lesson-1"}},
                   a.teacher)["call"];
  const std::string call_id = call["id"];
  const std::string path = "/v1/calls/" + call_id + "/attendance";
  s.Ok("POST", "/v1/calls/" + call_id + ":join", json::object(), a.pupil);
  s.Ok("POST", "/v1/calls/" + call_id + ":leave", json::object(), a.pupil);
  s.Ok("POST", "/v1/calls/" + call_id + ":join", json::object(), a.pupil);

  // While the call goes on, the pupil's second stay is open.
  auto during = s.Call("GET", path, nullptr, a.teacher);
  REQUIRE(during.status == 200);
  std::vector<std::string> rows = Lines(during.body);
  REQUIRE(rows.size() == 4);
  CHECK(absl::EndsWith(rows[3], ";;;в звонке"));

  s.Ok("POST", "/v1/calls/" + call_id + ":end", json::object(), a.teacher);
  auto csv = s.Call("GET", path, nullptr, a.teacher);
  REQUIRE(csv.status == 200);
  CHECK(csv.header("content-type") == "text/csv; charset=utf-8");
  CHECK(absl::StartsWith(csv.header("content-disposition"), "attachment; filename=\"attendance-"));
  CHECK(absl::StrContains(csv.header("content-disposition"), "filename*=UTF-8''attendance-"));
  REQUIRE(absl::StartsWith(csv.body, "\xEF\xBB\xBF"));
  rows = Lines(csv.body.substr(3));
  REQUIRE(rows.size() == 4);  // the header, the teacher's stay, the pupil's two
  CHECK(rows[0] == "Участник;Идентификатор;Роль;Вход (Asia/Yekaterinburg);"
                   "Выход (Asia/Yekaterinburg);Минут;Как вышел");
  CHECK(absl::StartsWith(rows[1], "Ольга Петровна Смирнова;" + g.UserIdOf(a.teacher) + ";ведущий;"));
  CHECK(absl::EndsWith(rows[1], ";звонок завершён"));
  CHECK(absl::StartsWith(rows[2], "Ёжиков Пётр;" + g.UserIdOf(a.pupil) + ";участник;"));
  CHECK(absl::EndsWith(rows[2], ";вышел"));
  CHECK(absl::EndsWith(rows[3], ";звонок завершён"));
  // Times in the school's zone: the join's local hour is UTC's plus five.
  std::vector<std::string> fields = absl::StrSplit(rows[1], ';');
  REQUIRE(fields.size() == 7);
  absl::Time joined;
  std::string error;
  REQUIRE(absl::ParseTime("%Y-%m-%d %H:%M:%S", fields[3], absl::FixedTimeZone(5 * 3600), &joined,
                          &error));
  absl::Time started;
  REQUIRE(absl::ParseTime(absl::RFC3339_full, call["startTime"].get<std::string>(), &started,
                          &error));
  CHECK(absl::AbsDuration(joined - started) < absl::Seconds(2));

  // The school's admin gets it without being in the chat; nobody else does.
  CHECK(s.Call("GET", path, nullptr, a.admin).status == 200);
  auto pupil = s.Call("GET", path, nullptr, a.pupil);
  CHECK(pupil.status == 403);
  CHECK(pupil.reason() == "HOST_ONLY");
  for (const std::string& outsider : {a.classmate, b.admin, b.teacher}) {
    auto refused = s.Call("GET", path, nullptr, outsider);
    CHECK(refused.status == 403);
    CHECK(refused.reason() == "NOT_CHAT_MEMBER");
    CHECK_FALSE(absl::StrContains(refused.body, "Ёжиков"));
  }
  auto unknown = s.Call("GET", "/v1/calls/0190f5d2-0000-7000-8000-000000000000/attendance",
                        nullptr, a.admin);
  CHECK(unknown.status == 403);
  CHECK(s.Call("GET", "/v1/calls/not-an-id/attendance", nullptr, a.teacher).reason() ==
        "INVALID_CALL_ID");
}

}  // namespace
}  // namespace parta
