// A class's chat through the gateway, with the real identity, directory and messaging: the
// class's students find their chat made, talk over WebSockets in real time, reconnect without
// losing or repeating a message, see a moderator's deletion disappear, and follow a chat made
// while they are connected; a parent finds his own chat and is kept out of the students', and
// acknowledges the class teacher's announcement there.

#include <catch2/catch.hpp>
#include <map>

#include "absl/time/clock.h"
#include "tests/e2e/system_fixture.h"

namespace parta {
namespace {

using gateway::testing::GatewayFixture;
using gateway::testing::WebSocketClient;
using nlohmann::json;
using testing::SystemFixture;

// What a client keeps of a chat, by the rule of the protocol: changes applied in sequence order,
// duplicates (same sequence) dropped.
struct ClientChat {
  std::map<int64_t, json> changes;

  // Applies a change; false when it was a duplicate.
  bool Apply(const json& event) {
    return changes.emplace(std::stoll(event["sequence"].get<std::string>()), event).second;
  }
  int64_t last() const { return changes.empty() ? 0 : changes.rbegin()->first; }
};

// The next chat change for `chat_id` on the socket, skipping other frames.
std::optional<json> NextChange(WebSocketClient& socket, const std::string& chat_id,
                               absl::Duration timeout = absl::Seconds(5)) {
  absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    std::optional<json> frame = socket.ReadType("event", deadline - absl::Now());
    if (!frame) return std::nullopt;
    const json& event = (*frame)["event"];
    if (event.contains("chatChange") && event["chatChange"]["chatId"] == chat_id) return event;
  }
  return std::nullopt;
}

// The next posted message on the socket for the chat (skipping read cursors and the like).
std::optional<json> NextPosted(WebSocketClient& socket, const std::string& chat_id) {
  while (std::optional<json> event = NextChange(socket, chat_id)) {
    if ((*event)["chatChange"].contains("messagePosted")) return event;
  }
  return std::nullopt;
}

TEST_CASE("A class talks in its chat through the gateway: real time, reconnects, moderation",
          "[e2e][messaging]") {
  auto system = SystemFixture::Start();
  if (!system) return;
  GatewayFixture& g = system->gateway();
  SystemFixture& s = *system;

  // The school, as the directory's story makes it.
  std::string op = s.SignUpOperator("operator@parta.ru");
  std::string school = s.Ok("POST", "/v1/schools",
                            {{"name", "МБОУ «Лицей № 3»"},
                             {"shortName", "Лицей № 3"},
                             {"regionCode", "77"},
                             {"timeZone", "Europe/Moscow"},
                             {"inn", "7707083893"},
                             {"ogrn", "1027700132195"}},
                            op)["id"];
  std::string base = "/v1/schools/" + school;
  auto join = [&](const std::string& email, const json& invitation, const std::string& inviter) {
    return s.Join(school, email, invitation, inviter);
  };
  std::string admin = join("director@lyceum3.ru", {{"role", "ROLE_ADMIN"}}, op);
  std::string class_id = s.Ok("POST", base + "/classes",
                              {{"grade", 7}, {"letter", "б"}, {"academicYear", 2026}}, admin)["id"];
  std::string teacher = join("teacher@lyceum3.ru", {{"role", "ROLE_TEACHER"}}, admin);
  s.Ok("PATCH", base + "/classes/" + class_id + "?updateMask=classTeacherId",
       {{"classTeacherId", g.UserIdOf(teacher)}}, admin);
  std::string masha =
      join("masha@mail.ru", {{"role", "ROLE_STUDENT"}, {"classId", class_id}}, teacher);
  std::string petya =
      join("petya@mail.ru", {{"role", "ROLE_STUDENT"}, {"classId", class_id}}, teacher);
  std::string masha_id = g.UserIdOf(masha);
  std::string mother = g.SignUp("mother@mail.ru");
  json invite =
      s.Ok("POST", base + "/students/" + masha_id + "/parentInvitations", json::object(), masha);
  json link = s.Ok("POST", "/v1/invitations:redeem", {{"code", invite["code"]}}, mother);
  s.Ok("POST", base + "/parentLinks/" + link["parentLink"]["id"].get<std::string>() + ":confirm",
       json::object(), teacher);

  // Their chats are there already: made by messaging from the directory's events.
  auto chat_of = [&](const std::string& token, const std::string& kind) {
    return s.FindChat(token, kind, class_id);
  };
  auto wait_for_chat = [&](const std::string& token, const std::string& kind) {
    return s.WaitForChat(token, kind, class_id);
  };
  json chat = wait_for_chat(petya, "CHAT_KIND_CLASS_STUDENTS");
  CHECK(chat["title"] == "7Б");
  std::string chat_id = chat["id"];
  CHECK(wait_for_chat(masha, "CHAT_KIND_CLASS_STUDENTS")["id"] == chat_id);
  json parents_chat = wait_for_chat(mother, "CHAT_KIND_CLASS_PARENTS");
  CHECK(parents_chat["myRole"] == "CHAT_ROLE_MEMBER");
  // The mother does not see the students' chat, and cannot read it by its id.
  CHECK_FALSE(chat_of(mother, "CHAT_KIND_CLASS_STUDENTS").has_value());
  auto refused = s.Call("GET", "/v1/chats/" + chat_id + "/messages", nullptr, mother);
  CHECK(refused.status == 403);
  CHECK(refused.reason() == "NOT_CHAT_MEMBER");

  // Both pupils online; Masha writes, Petya's socket shows it at once (and so does hers).
  auto masha_socket = g.Connect(masha);
  auto petya_socket = g.Connect(petya);
  REQUIRE(masha_socket);
  REQUIRE(petya_socket);
  REQUIRE(masha_socket->ReadType("ready", absl::Seconds(5)));
  REQUIRE(petya_socket->ReadType("ready", absl::Seconds(5)));
  ClientChat petya_view;
  json sent =
      s.Ok("POST", "/v1/chats/" + chat_id + "/messages",
           {{"requestId", "masha-1"}, {"text", {{"body", "Петя, что задали по алгебре?"}}}}, masha);
  std::optional<json> delivered = NextPosted(*petya_socket, chat_id);
  REQUIRE(delivered);
  CHECK((*delivered)["chatChange"]["messagePosted"]["text"]["body"] ==
        "Петя, что задали по алгебре?");
  CHECK((*delivered)["sequence"] == sent["sequence"]);
  CHECK((*delivered)["stream"] == "chat/" + chat_id);
  CHECK(petya_view.Apply(*delivered));
  std::optional<json> own = NextPosted(*masha_socket, chat_id);
  REQUIRE(own);
  CHECK((*own)["chatChange"]["messagePosted"]["requestId"] == "masha-1");

  // A retried send returns the same message and spends no sequence.
  json again =
      s.Ok("POST", "/v1/chats/" + chat_id + "/messages",
           {{"requestId", "masha-1"}, {"text", {{"body", "Петя, что задали по алгебре?"}}}}, masha);
  CHECK(again["id"] == sent["id"]);

  json answer = s.Ok("POST", "/v1/chats/" + chat_id + "/messages",
                     {{"requestId", "petya-1"},
                      {"text", {{"body", "№ 214 и 215"}}},
                      {"replyToMessageId", sent["id"]}},
                     petya);
  delivered = NextPosted(*masha_socket, chat_id);
  REQUIRE(delivered);
  CHECK((*delivered)["chatChange"]["messagePosted"]["replyToMessageId"] == sent["id"]);
  CHECK(std::stoll((*delivered)["sequence"].get<std::string>()) ==
        std::stoll(sent["sequence"].get<std::string>()) + 1);  // nothing spent by the retry
  REQUIRE(NextPosted(*petya_socket, chat_id));
  petya_view.Apply(s.Ok("GET",
                        "/v1/chats/" + chat_id + "/changes?afterSequence=" +
                            std::to_string(petya_view.last()) + "&pageSize=1",
                        nullptr, petya)["changes"][0]);

  // Petya goes offline; Masha writes twice; he comes back and syncs from where he was.
  petya_socket.reset();
  s.Ok("POST", "/v1/chats/" + chat_id + "/messages",
       {{"requestId", "masha-2"}, {"text", {{"body", "Ты где?"}}}}, masha);
  json rude = s.Ok("POST", "/v1/chats/" + chat_id + "/messages",
                   {{"requestId", "masha-3"}, {"text", {{"body", "Отвечай!!!"}}}}, masha);
  petya_socket = g.Connect(petya);
  REQUIRE(petya_socket);
  REQUIRE(petya_socket->ReadType("ready", absl::Seconds(5)));
  json synced =
      s.Ok("POST", "/v1/sync",
           {{"cursors", {{{"chatId", chat_id}, {"sequence", petya_view.last()}}}}}, petya);
  // (The school's channel is new to this client: it comes whole, beside the class's chat.)
  const json* class_sync = nullptr;
  for (const json& chat_sync : synced["chats"]) {
    if (chat_sync["chat"]["id"] == chat_id) class_sync = &chat_sync;
  }
  REQUIRE(class_sync != nullptr);
  int posted = 0;
  for (const json& change : (*class_sync)["changes"]) {
    CHECK(petya_view.Apply(change));  // nothing he had already
    if (change["chatChange"].contains("messagePosted")) ++posted;
  }
  CHECK(posted == 2);
  CHECK(petya_view.last() == std::stoll(rude["sequence"].get<std::string>()));

  // The class teacher deletes the rude message: it disappears from Petya's screen at once.
  s.Ok("DELETE", "/v1/chats/" + chat_id + "/messages/" + rude["id"].get<std::string>(), nullptr,
       teacher);
  std::optional<json> deletion;
  while ((deletion = NextChange(*petya_socket, chat_id))) {
    if ((*deletion)["chatChange"].contains("messageDeleted")) break;
  }
  REQUIRE(deletion);
  CHECK((*deletion)["chatChange"]["messageDeleted"]["messageId"] == rude["id"]);
  json history = s.Ok("GET", "/v1/chats/" + chat_id + "/messages", nullptr, petya);
  CHECK(history["messages"][0]["id"] == rude["id"]);
  CHECK(history["messages"][0]["deleted"] == true);
  CHECK_FALSE(history["messages"][0].contains("text"));

  // ...and mutes Masha for ten minutes: the class sees until when, her sends are refused until
  // the teacher lifts it.
  const std::string mute_masha = "/v1/chats/" + chat_id + "/members/" + masha_id + ":mute";
  json muted = s.Ok("POST", mute_masha, {{"duration", "600s"}}, teacher);
  REQUIRE(muted["muteEndTime"].is_string());
  CHECK_FALSE(muted.contains("mutedUntil"));
  std::optional<json> mute;
  while ((mute = NextChange(*petya_socket, chat_id))) {
    if ((*mute)["chatChange"].contains("memberMuted")) break;
  }
  REQUIRE(mute);
  CHECK((*mute)["chatChange"]["memberMuted"]["muteEndTime"] == muted["muteEndTime"]);
  CHECK(s.Ok("GET", "/v1/chats/" + chat_id, nullptr, masha)["muteEndTime"] == muted["muteEndTime"]);
  CHECK(s.Call("POST", "/v1/chats/" + chat_id + "/messages",
               {{"requestId", "masha-4"}, {"text", {{"body", "А можно мне?"}}}}, masha)
            .status == 403);
  s.Ok("POST", mute_masha, json::object(), teacher);
  CHECK_FALSE(s.Ok("GET", "/v1/chats/" + chat_id, nullptr, masha).contains("muteEndTime"));

  // Typing is ephemeral: the other socket sees it, nothing is logged.
  petya_socket->Send(json{{"type", "typing"}, {"chatId", chat_id}}.dump());
  std::optional<json> typing;
  absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (absl::Now() < deadline) {
    typing = masha_socket->ReadType("event", absl::Seconds(5));
    if (!typing || (*typing)["event"].contains("typing")) break;
  }
  REQUIRE(typing);
  CHECK((*typing)["event"]["typing"]["userId"] == g.UserIdOf(petya));

  // A chat made while Masha's socket is open: she learns of it on her own channel, her gateway
  // follows it, and its messages reach the socket she already has.
  const json make_group = {{"requestId", "olympiad-group-1"},
                           {"title", "Олимпиада по алгебре"},
                           {"memberIds", {masha_id}}};
  json group = s.Ok("POST", base + "/chats", make_group, teacher);
  std::string group_id = group["id"];
  std::optional<json> joined;
  while ((joined = NextChange(*masha_socket, group_id))) {
    if ((*joined)["chatChange"].contains("memberJoined") &&
        (*joined)["chatChange"]["memberJoined"]["userId"] == masha_id) {
      break;
    }
  }
  REQUIRE(joined);
  // A retry after a lost answer gets the same group: no second one is made.
  CHECK(s.Ok("POST", base + "/chats", make_group, teacher)["id"] == group_id);
  s.Ok("POST", "/v1/chats/" + group_id + "/messages",
       {{"requestId", "teacher-group-1"}, {"text", {{"body", "Задача на завтра: № 301"}}}},
       teacher);
  std::optional<json> in_group = NextPosted(*masha_socket, group_id);
  REQUIRE(in_group);
  CHECK((*in_group)["chatChange"]["messagePosted"]["text"]["body"] == "Задача на завтра: № 301");

  // The class teacher asks the parents to acknowledge an announcement; until the mother does,
  // she is listed as pending, then as having acknowledged it.
  std::string parents_chat_id = parents_chat["id"];
  json announcement = s.Ok("POST", "/v1/chats/" + parents_chat_id + "/messages",
                           {{"requestId", "meeting-1"},
                            {"requestAcknowledgement", true},
                            {"text", {{"body", "Родительское собрание в четверг в 18:00"}}}},
                           teacher);
  CHECK(announcement["acknowledgementRequested"] == true);
  const std::string acknowledgements = "/v1/chats/" + parents_chat_id + "/messages/" +
                                       announcement["id"].get<std::string>() + "/acknowledgements";
  json before = s.Ok("GET", acknowledgements, nullptr, teacher);
  CHECK(before["pendingUserIds"] == json::array({g.UserIdOf(mother)}));
  CHECK(before["acknowledged"].empty());
  s.Ok("POST",
       "/v1/chats/" + parents_chat_id + "/messages/" + announcement["id"].get<std::string>() +
           ":acknowledge",
       json::object(), mother);
  json after = s.Ok("GET", acknowledgements, nullptr, teacher);
  REQUIRE(after["acknowledged"].size() == 1);
  CHECK(after["acknowledged"][0]["userId"] == g.UserIdOf(mother));
  CHECK(after["pendingUserIds"].empty());
  // Only the author and the chat's moderators see who has acknowledged.
  CHECK(s.Call("GET", acknowledgements, nullptr, mother).status == 403);
}

}  // namespace
}  // namespace parta
