// Guests in a call through the gateway: a teacher invites a lecturer without an account by a
// guest link, once the school allows it; the lecturer comes in with the code alone, waits until
// the teacher lets him in, takes part as a guest and sees nothing of the chat; the code works
// once, and nobody but the call's hosts makes one.

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "tests/e2e/system_fixture.h"

namespace parta {
namespace {

using gateway::testing::GatewayFixture;
using nlohmann::json;
using testing::SystemFixture;

TEST_CASE("A lecturer without an account joins a call by a guest link and waits to be let in",
          "[e2e][signaling]") {
  auto system = SystemFixture::Start();
  if (!system) return;
  GatewayFixture& g = system->gateway();
  SystemFixture& s = *system;
  std::string op = s.SignUpOperator("operator@parta.ru");
  auto school_of = [&](int n, const std::string& inn) {
    return s.Ok("POST", "/v1/schools",
                {{"name", "Лицей № " + std::to_string(n)},
                 {"shortName", "Лицей " + std::to_string(n)},
                 {"regionCode", "77"},
                 {"timeZone", "Europe/Moscow"},
                 {"inn", inn},
                 {"ogrn", "1027700132195"}},
                op)["id"]
        .get<std::string>();
  };
  const std::string school = school_of(1, "7707083893");
  const std::string other_school = school_of(2, "7736050003");
  const std::string admin = s.Join(school, "admin@l1.ru", {{"role", "ROLE_ADMIN"}}, op);
  const std::string teacher = s.Join(school, "teacher@l1.ru", {{"role", "ROLE_TEACHER"}}, admin);
  const std::string colleague =
      s.Join(school, "colleague@l1.ru", {{"role", "ROLE_TEACHER"}}, admin);
  const std::string stranger =
      s.Join(other_school, "admin@l2.ru", {{"role", "ROLE_ADMIN"}}, op);
  const std::string direct = s.Ok("POST", "/v1/schools/" + school + "/directChats",
                                  {{"userId", g.UserIdOf(colleague)}}, teacher)["id"];
  s.Ok("POST", "/v1/chats/" + direct + "/messages",
       {{"requestId", "m-1"}, {"text", {{"body", "Секрет учительской"}}}}, teacher);
  json call =
      s.Ok("POST", "/v1/chats/" + direct + "/calls", {{"requestId", "call-1"}}, teacher)["call"];
  const std::string call_id = call["id"];
  const std::string links = "/v1/calls/" + call_id + "/guestLinks";

  // Off until the school allows guests.
  auto off = s.Call("POST", links, json::object(), teacher);
  CHECK(off.status == 400);
  CHECK(off.reason() == "GUESTS_NOT_ALLOWED");
  s.Ok("PATCH", "/v1/schools/" + school + "?updateMask=callGuestsAllowed",
       {{"callGuestsAllowed", true}}, admin);

  // Only the call's hosts make links, for 5 minutes to a day.
  CHECK(s.Call("POST", links, json::object(), colleague).reason() == "HOST_ONLY");
  CHECK(s.Call("POST", links, json::object(), stranger).reason() == "NOT_CHAT_MEMBER");
  CHECK(s.Call("POST", links, {{"validFor", "60s"}}, teacher).reason() == "INVALID_VALID_FOR");
  json link = s.Ok("POST", links, {{"validFor", "3600s"}}, teacher);
  const std::string code = link["code"];
  CHECK(code.size() == 26);

  // The lecturer has no account: the code alone lets him knock.
  auto malformed = s.Call("POST", "/v1/guestLinks:join",
                          {{"code", "not a code"}, {"displayName", "Лектор"}}, "");
  CHECK(malformed.status == 400);
  CHECK(malformed.reason() == "INVALID_CODE");
  auto unknown = s.Call("POST", "/v1/guestLinks:join",
                        {{"code", std::string(26, '7')}, {"displayName", "Лектор"}}, "");
  CHECK(unknown.status == 404);
  CHECK(unknown.reason() == "GUEST_LINK_NOT_FOUND");
  std::string typed = code.substr(0, 13) + "-" + code.substr(13);  // as a person types it
  for (char& c : typed) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  json joined = s.Ok("POST", "/v1/guestLinks:join",
                     {{"code", typed}, {"displayName", "Иван Петрович, лектор"}}, "");
  const std::string guest = joined["accessToken"];
  const std::string guest_id = joined["userId"];
  REQUIRE(joined["call"]["waiting"].size() == 1);
  CHECK(joined["call"]["waiting"][0]["userId"] == guest_id);
  CHECK(joined["call"]["waiting"][0]["role"] == "CALL_ROLE_GUEST");
  CHECK(joined["call"]["participants"].size() == 1);
  auto again = s.Call("POST", "/v1/guestLinks:join",
                      {{"code", code}, {"displayName", "Кто-то ещё"}}, "");
  CHECK(again.status == 400);
  CHECK(again.reason() == "GUEST_LINK_USED");

  // A guest: his account says so, he reads the call, and nothing of its chat.
  CHECK(s.Ok("GET", "/v1/me", nullptr, guest)["guest"] == true);
  CHECK(s.Ok("GET", "/v1/calls/" + call_id, nullptr, guest)["id"] == call_id);
  auto history = s.Call("GET", "/v1/chats/" + direct + "/messages", nullptr, guest);
  CHECK(history.status == 403);
  CHECK_FALSE(absl::StrContains(history.body, "Секрет"));
  CHECK(s.Call("GET", "/v1/chats/" + direct + "/calls:live", nullptr, guest).reason() ==
        "NOT_CHAT_MEMBER");
  // Waiting is not being in; a guest controls nothing.
  CHECK(s.Call("GET", "/v1/calls/" + call_id + "/iceServers", nullptr, guest).reason() ==
        "NOT_IN_CALL");
  s.Ok("POST", "/v1/calls/" + call_id + ":heartbeat", json::object(), guest);
  CHECK(s.Call("POST", links, json::object(), guest).reason() == "HOST_ONLY");
  // Closing the waiting room lets others in, not a guest: he waits for a host's word.
  s.Ok("POST", "/v1/calls/" + call_id + ":setControls", {{"waitingRoom", false}}, teacher);
  CHECK(s.Ok("GET", "/v1/calls/" + call_id, nullptr, teacher)["waiting"].size() == 1);

  // Let in: a participant marked as a guest.
  s.Ok("POST", "/v1/calls/" + call_id + ":admit", {{"userId", guest_id}, {"admit", true}},
       teacher);
  json now = s.Ok("GET", "/v1/calls/" + call_id, nullptr, guest);
  CHECK(now["waiting"].empty());
  REQUIRE(now["participants"].size() == 2);
  CHECK(now["participants"][1]["userId"] == guest_id);
  CHECK(now["participants"][1]["role"] == "CALL_ROLE_GUEST");
  CHECK(s.Ok("GET", "/v1/calls/" + call_id + "/iceServers", nullptr, guest).contains(
      "iceServers"));
  CHECK(s.Call("POST", "/v1/calls/" + call_id + ":end", json::object(), guest).reason() ==
        "HOST_ONLY");

  // The attendance names him as a guest.
  s.Ok("POST", "/v1/calls/" + call_id + ":end", json::object(), teacher);
  auto csv = s.Call("GET", "/v1/calls/" + call_id + "/attendance", nullptr, teacher);
  REQUIRE(csv.status == 200);
  CHECK(absl::StrContains(csv.body, "\r\nИван Петрович, лектор;" + guest_id + ";гость;"));
  // An ended call takes no guests.
  auto late = s.Call("POST", links, json::object(), teacher);
  CHECK(late.reason() == "CALL_ENDED");
}

}  // namespace
}  // namespace parta
