// The WebSocket /v1/events over real sockets, against the real identity service, the test
// backend and Redis: authentication, `ready`, delivery across gateway instances, `resync`,
// revocation, token expiry, presence and slow consumers.

#include <atomic>
#include <thread>

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "libs/realtime/channels.h"
#include "libs/realtime/publish.h"
#include "libs/redis/client.h"
#include "libs/redis/subscriber.h"
#include "libs/testing/servers.h"
#include "libs/testing/status_matchers.h"
#include "services/gateway/tests/e2e/gateway_fixture.h"

namespace parta::gateway::testing {
namespace {

using nlohmann::json;

constexpr absl::Duration kWait = absl::Seconds(5);

// Waits for `condition`, polling; false on timeout.
template <typename Condition>
bool Eventually(Condition condition, absl::Duration timeout = kWait) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (condition()) return true;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return condition();
}

// Reads (and drops) frames until the server closes the socket; false on timeout. Other tests
// share the test Redis and its test room, so a stray event may come first.
bool WaitClosed(WebSocketClient& socket, absl::Duration timeout = kWait) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!socket.closed() && absl::Now() < deadline) socket.Read(deadline - absl::Now());
  return socket.closed();
}

std::optional<json> NextNotice(WebSocketClient& socket, absl::Duration timeout = kWait) {
  std::optional<json> frame = socket.ReadType("event", timeout);
  if (!frame) return std::nullopt;
  return (*frame)["event"];
}

TEST_CASE("a socket with a valid token is accepted and says ready after subscribing",
          "[e2e][events]") {
  PARTA_GATEWAY_FIXTURE(f);
  const std::string token = f->SignUp("anna@example.ru");
  const std::string user_id = f->UserIdOf(token);
  auto socket = f->Connect(token);
  REQUIRE(socket);
  CHECK(socket->selected_protocol() == "parta.v1");
  std::optional<json> ready = socket->ReadType("ready", kWait);
  REQUIRE(ready);
  CHECK((*ready)["userId"] == user_id);
  CHECK((*ready)["channels"] == 2);  // the user's channel and the test room
  CHECK((*ready)["unavailable"].empty());

  // Ready means subscribed: what is published right after it arrives.
  f->PublishNotice(realtime::UserChannel(user_id), "Урок перенесён");
  std::optional<json> event = NextNotice(*socket);
  REQUIRE(event);
  CHECK((*event)["notice"]["text"] == "Урок перенесён");
  f->PublishNotice(f->backend().room(), "в комнате");
  std::optional<json> room = socket->ReadType("event", kWait);
  REQUIRE(room);
  CHECK((*room)["channel"] == f->backend().room());

  // A frame the gateway answers itself, and one it refuses.
  socket->Send(R"({"type":"ping"})");
  CHECK(socket->ReadType("pong", kWait));
  socket->Send(R"({"type":"dance","id":"d1"})");
  std::optional<json> error = socket->ReadType("error", kWait);
  REQUIRE(error);
  CHECK((*error)["reason"] == "UNKNOWN_FRAME_TYPE");
  CHECK((*error)["id"] == "d1");
}

TEST_CASE("a socket follows the channels of every page of a service's listing",
          "[e2e][events]") {
  PARTA_GATEWAY_FIXTURE(f);
  // The backend answers one channel per page: the room, then two more.
  f->backend().ListExtraChannels(2);
  const std::string token = f->SignUp("pages@example.ru");
  auto socket = f->Connect(token);
  REQUIRE(socket);
  std::optional<json> ready = socket->ReadType("ready", kWait);
  REQUIRE(ready);
  CHECK((*ready)["channels"] == 4);  // the user's channel, the room and the two on later pages
  CHECK((*ready)["unavailable"].empty());
  f->PublishNotice(f->backend().ExtraChannel(2), "с последней страницы");
  std::optional<json> last = socket->ReadType("event", kWait);
  REQUIRE(last);
  CHECK((*last)["channel"] == f->backend().ExtraChannel(2));
}

TEST_CASE("a socket without a valid token is refused or closed", "[e2e][events]") {
  PARTA_GATEWAY_FIXTURE(f);
  int status = 0;
  std::string body;
  WebSocketClient::Options bad;
  bad.protocols = {"parta.v1", "bearer.not-a-token"};
  CHECK_FALSE(WebSocketClient::Connect(f->port(), bad, &status, &body));
  CHECK(status == 401);
  CHECK(absl::StrContains(body, "MALFORMED_TOKEN"));

  WebSocketClient::Options wrong_protocol;
  wrong_protocol.protocols = {"chat"};
  CHECK_FALSE(WebSocketClient::Connect(f->port(), wrong_protocol, &status));
  CHECK(status == 400);

  // No token at the upgrade: the first frame must bring one, or the socket is closed.
  WebSocketClient::Options anonymous;
  anonymous.protocols = {"parta.v1"};
  auto silent = WebSocketClient::Connect(f->port(), anonymous);
  REQUIRE(silent);
  CHECK(WaitClosed(*silent));
  CHECK(silent->close_code() == 4001);

  auto early = WebSocketClient::Connect(f->port(), anonymous);
  REQUIRE(early);
  early->Send(R"({"type":"ping"})");
  CHECK(WaitClosed(*early));
  CHECK(early->close_code() == 4001);

  // The token in the first frame works like the one in the subprotocol.
  const std::string token = f->SignUp("late@example.ru");
  auto late = WebSocketClient::Connect(f->port(), anonymous);
  REQUIRE(late);
  late->Send(json{{"type", "auth"}, {"token", token}}.dump());
  CHECK(late->ReadType("authenticated", kWait));
  CHECK(late->ReadType("ready", kWait));
}

TEST_CASE("an event for a user reaches all of his sockets on two gateways", "[e2e][events]") {
  PARTA_GATEWAY_FIXTURE(f);
  auto second = f->StartAnotherGateway();
  const std::string token = f->SignUp("teacher@example.ru");
  const std::string user_id = f->UserIdOf(token);
  auto a = f->Connect(token);
  auto b = f->Connect(token);
  auto c = f->Connect(token, second->http_port());
  REQUIRE(a);
  REQUIRE(b);
  REQUIRE(c);
  for (auto* socket : {a.get(), b.get(), c.get()}) REQUIRE(socket->ReadType("ready", kWait));

  f->PublishNotice(realtime::UserChannel(user_id), "first");
  for (auto* socket : {a.get(), b.get(), c.get()}) {
    std::optional<json> event = NextNotice(*socket);
    REQUIRE(event);
    CHECK((*event)["notice"]["text"] == "first");
  }
  // The channel stays subscribed while one socket of this instance still follows it.
  a.reset();
  REQUIRE(Eventually([&] { return f->gateway().open_websockets() == 1; }));
  f->PublishNotice(realtime::UserChannel(user_id), "second");
  for (auto* socket : {b.get(), c.get()}) {
    std::optional<json> event = NextNotice(*socket);
    REQUIRE(event);
    CHECK((*event)["notice"]["text"] == "second");
  }
  // Another user's sockets get nothing.
  const std::string other = f->SignUp("other@example.ru");
  auto d = f->Connect(other);
  REQUIRE(d);
  REQUIRE(d->ReadType("ready", kWait));
  f->PublishNotice(realtime::UserChannel(user_id), "third");
  CHECK(NextNotice(*b));
  CHECK_FALSE(NextNotice(*d, absl::Milliseconds(300)));
  second->Shutdown(absl::Seconds(1));
}

TEST_CASE("a gateway that reconnects to Redis tells its sockets to resync", "[e2e][events]") {
  parta::testing::PrivateRedis redis;
  PARTA_GATEWAY_FIXTURE(f, [&](GatewayConfig& config) { config.redis_uri = redis.uri(); });
  const std::string token = f->SignUp("resync@example.ru");
  const std::string user_id = f->UserIdOf(token);
  auto socket = f->Connect(token);
  REQUIRE(socket);
  REQUIRE(socket->ReadType("ready", kWait));
  redis.Kill();
  redis.Start();
  CHECK(socket->ReadType("resync", absl::Seconds(10)));
  // And it is live again.
  f->PublishNotice(realtime::UserChannel(user_id), "after", redis.uri());
  std::optional<json> event = NextNotice(*socket);
  REQUIRE(event);
  CHECK((*event)["notice"]["text"] == "after");
}

// Publishes a notice on `room` and then a fence on the user's channel; true when the fence
// arrives and the room's notice did not come before it (the gateway reads both channels on one
// Redis connection, in publish order, and hands a socket its frames in that order).
bool RoomSilentUntilFence(GatewayFixture& f, WebSocketClient& socket, const std::string& room,
                          const std::string& user_id, const std::string& redis_uri = "") {
  const std::string fence = "fence " + user_id;
  f.PublishNotice(room, "for followers of the room", redis_uri);
  f.PublishNotice(realtime::UserChannel(user_id), fence, redis_uri);
  while (std::optional<json> frame = socket.ReadType("event", kWait)) {
    if ((*frame)["channel"] == room) return false;
    if ((*frame)["event"]["notice"]["text"] == fence) return true;
  }
  return false;  // the fence never came
}

// Tells the user's gateways to unfollow `room`, as messaging does when he leaves a chat.
void PublishUnfollow(const std::string& redis_uri, const std::string& user_id,
                     const std::string& room) {
  redis::Pool redis({.endpoint = *redis::Endpoint::Parse(redis_uri), .size = 1});
  events::v1::Envelope envelope;
  *envelope.mutable_control()->mutable_unfollow()->add_channels() = room;
  REQUIRE_OK(realtime::Publish(redis, realtime::UserChannel(user_id), envelope));
}

TEST_CASE("an unfollow that arrives while the socket lists its channels is not lost",
          "[e2e][events]") {
  PARTA_GATEWAY_FIXTURE(f);
  const std::string token = f->SignUp("unfollowed@example.ru");
  const std::string user_id = f->UserIdOf(token);
  const std::string room = f->backend().room();
  f->backend().HoldListings(true);
  auto socket = f->Connect(token);
  REQUIRE(socket);
  // The backend has been asked (it lists the room) and holds its answer; the user is removed
  // from the room meanwhile.
  REQUIRE(f->backend().WaitForHeldListing(kWait));
  PublishUnfollow(f->config().redis_uri, user_id, room);
  // Once the control has reached the socket's gateway (it follows the user's channel already),
  // the answer comes.
  f->PublishNotice(realtime::UserChannel(user_id), "before the answer");
  std::optional<json> notice = NextNotice(*socket);
  REQUIRE(notice);
  f->backend().HoldListings(false);
  std::optional<json> ready = socket->ReadType("ready", kWait);
  REQUIRE(ready);
  CHECK((*ready)["channels"] == 1);  // his own channel only
  CHECK(RoomSilentUntilFence(*f, *socket, room, user_id));
}

TEST_CASE("after a Redis reconnection a socket leaves the channels it lost meanwhile",
          "[e2e][events]") {
  parta::testing::PrivateRedis redis;
  PARTA_GATEWAY_FIXTURE(f, [&](GatewayConfig& config) { config.redis_uri = redis.uri(); });
  const std::string token = f->SignUp("lost@example.ru");
  const std::string user_id = f->UserIdOf(token);
  const std::string room = f->backend().room();
  auto socket = f->Connect(token);
  REQUIRE(socket);
  std::optional<json> ready = socket->ReadType("ready", kWait);
  REQUIRE(ready);
  CHECK((*ready)["channels"] == 2);
  // The user leaves the room while Redis is down: the unfollow is never published.
  redis.Kill();
  f->backend().ListRoom(false);
  redis.Start();
  REQUIRE(socket->ReadType("resync", absl::Seconds(15)));
  CHECK(RoomSilentUntilFence(*f, *socket, room, user_id, redis.uri()));
}

TEST_CASE("the sockets of a revoked session are closed at once", "[e2e][events]") {
  PARTA_GATEWAY_FIXTURE(f);
  const std::string token = f->SignUp("logout@example.ru");
  // A second session of the same person stays open.
  ClientResponse other_login = f->Send(
      "POST", "/v1/sessions:login",
      json{{"login", "logout@example.ru"}, {"password", identity::testing::kPassword}}.dump());
  REQUIRE(other_login.status == 200);
  const std::string other_token = other_login.json()["accessToken"];
  auto doomed = f->Connect(token);
  auto survivor = f->Connect(other_token);
  REQUIRE(doomed);
  REQUIRE(survivor);
  REQUIRE(doomed->ReadType("ready", kWait));
  REQUIRE(survivor->ReadType("ready", kWait));

  REQUIRE(f->Send("POST", "/v1/sessions:logout", "{}", token).status == 200);
  CHECK(WaitClosed(*doomed));
  CHECK(doomed->close_code() == 4003);
  survivor->Send(R"({"type":"ping"})");
  CHECK(survivor->ReadType("pong", kWait));
}

TEST_CASE("a socket closes when its token expires unless renewed in-band", "[e2e][events]") {
  PARTA_GATEWAY_FIXTURE(f, nullptr, [](identity::IdentityConfig& config) {
    config.identity.access_token_ttl = absl::Seconds(3);
  });
  const std::string token = f->SignUp("expiry@example.ru");
  auto expiring = f->Connect(token);
  auto renewed = f->Connect(token);
  REQUIRE(expiring);
  REQUIRE(renewed);
  REQUIRE(expiring->ReadType("ready", kWait));
  REQUIRE(renewed->ReadType("ready", kWait));
  // Renew with a fresh token of the same person, issued later.
  f->identity().clock().Advance(absl::Seconds(2));
  ClientResponse fresh = f->Send(
      "POST", "/v1/sessions:login",
      json{{"login", "expiry@example.ru"}, {"password", identity::testing::kPassword}}.dump());
  REQUIRE(fresh.status == 200);
  renewed->Send(json{{"type", "auth"}, {"token", fresh.json()["accessToken"]}}.dump());
  REQUIRE(renewed->ReadType("authenticated", kWait));
  // Someone else's token is no renewal.
  const std::string stranger = f->SignUp("stranger@example.ru");
  renewed->Send(json{{"type", "auth"}, {"token", stranger}, {"id", "r2"}}.dump());
  std::optional<json> refused = renewed->ReadType("error", kWait);
  REQUIRE(refused);
  CHECK((*refused)["reason"] == "ANOTHER_USER");

  CHECK(WaitClosed(*expiring, absl::Seconds(8)));
  CHECK(expiring->close_code() == 4002);
  renewed->Send(R"({"type":"ping"})");
  CHECK(renewed->ReadType("pong", kWait));
}

TEST_CASE("presence is seen across gateways, by the user himself only", "[e2e][events]") {
  PARTA_GATEWAY_FIXTURE(f);
  auto second = f->StartAnotherGateway();
  const std::string token = f->SignUp("online@example.ru");
  const std::string user_id = f->UserIdOf(token);
  const std::string stranger = f->SignUp("curious@example.ru");

  // Online/offline changes are published.
  absl::Mutex mu;
  std::vector<bool> changes;
  absl::Notification subscribed;
  auto endpoint = redis::Endpoint::Parse(f->config().redis_uri);
  redis::Subscriber watcher(*endpoint, {realtime::PresenceChannel(user_id)},
                            {.on_message =
                                 [&](const std::string&, const std::string& payload) {
                                   events::v1::Envelope envelope;
                                   REQUIRE(envelope.ParseFromString(payload));
                                   absl::MutexLock lock(&mu);
                                   changes.push_back(envelope.event().presence_changed().online());
                                 },
                             .on_subscribed = [&](bool) {
                               if (!subscribed.HasBeenNotified()) subscribed.Notify();
                             }});
  REQUIRE(subscribed.WaitForNotificationWithTimeout(kWait));

  auto presence_of = [&](const std::string& asker, int port) {
    ClientResponse response = HttpRequest(port, "GET", "/v1/presence?userIds=" + user_id, "",
                                          {{"authorization", "Bearer " + asker}});
    REQUIRE(response.status == 200);
    return response.json()["presences"][0];
  };
  CHECK(presence_of(token, f->port())["online"] == false);

  auto socket = f->Connect(token);
  REQUIRE(socket);
  REQUIRE(socket->ReadType("ready", kWait));
  CHECK(Eventually([&] { return presence_of(token, second->http_port())["online"] == true; }));
  // While online, the entry says until when the newest heartbeat keeps the user online.
  json online = presence_of(token, second->http_port());
  REQUIRE(online["onlineExpireTime"].is_string());
  absl::Time expire_time;
  std::string parse_error;
  REQUIRE(absl::ParseTime(absl::RFC3339_full, online["onlineExpireTime"].get<std::string>(),
                          &expire_time, &parse_error));
  CHECK(expire_time > absl::Now() - absl::Seconds(1));
  CHECK_FALSE(online.contains("onlineUntil"));
  json hidden = presence_of(stranger, second->http_port());
  CHECK(hidden["visible"] == false);
  CHECK(hidden["online"] == false);
  CHECK_FALSE(hidden.contains("onlineExpireTime"));

  socket.reset();
  CHECK(Eventually([&] { return presence_of(token, f->port())["online"] == false; }));
  CHECK_FALSE(presence_of(token, f->port()).contains("onlineExpireTime"));
  CHECK(Eventually([&] {
    absl::MutexLock lock(&mu);
    return changes == std::vector<bool>{true, false};
  }));
  watcher.Stop();

  ClientResponse too_many = f->Get(
      "/v1/presence?" + [] {
        std::string query;
        for (int i = 0; i < 201; ++i) absl::StrAppend(&query, i ? "&" : "", "userIds=u", i);
        return query;
      }(),
      token);
  CHECK(too_many.status == 400);
  CHECK(too_many.reason() == "TOO_MANY_USERS");
  CHECK(f->Get("/v1/presence?userIds=" + user_id).status == 401);
  second->Shutdown(absl::Seconds(1));
}

TEST_CASE("a slow consumer is cut off while a fast one keeps receiving", "[e2e][events]") {
  PARTA_GATEWAY_FIXTURE(f, [](GatewayConfig& config) {
    config.http.websocket.max_queued_bytes = 256 * 1024;
  });
  const std::string token = f->SignUp("fast@example.ru");
  const std::string user_id = f->UserIdOf(token);
  auto fast = f->Connect(token);
  auto slow = f->Connect(token);
  REQUIRE(fast);
  REQUIRE(slow);
  REQUIRE(fast->ReadType("ready", kWait));
  REQUIRE(slow->ReadType("ready", kWait));

  // 3,000 notices of 8 KiB: far more than the slow socket's queue and kernel buffers hold.
  // The fast one reads on a thread of its own; the publisher keeps at most 8 notices (66 KiB,
  // a quarter of the queue limit) ahead of it, so only a socket that does not read falls behind.
  std::atomic<int> received{0};
  std::atomic<bool> reader_done{false};
  std::thread reader([&] {
    const absl::Time deadline = absl::Now() + absl::Seconds(60);
    while (received.load() < 3000 && absl::Now() < deadline) {
      std::optional<std::string> frame = fast->Read(absl::Seconds(5));
      if (!frame) break;
      if (absl::StrContains(*frame, "\"notice\"")) received.fetch_add(1);
    }
    reader_done = true;
  });
  const std::string text(8 * 1024, 'x');
  auto endpoint = redis::Endpoint::Parse(f->config().redis_uri);
  redis::Pool pool({.endpoint = *endpoint, .size = 1});
  for (int i = 0; i < 3000 && !reader_done; ++i) {
    const absl::Time wait_until = absl::Now() + absl::Seconds(10);
    while (received.load() < i - 8 && absl::Now() < wait_until && !reader_done) {
      absl::SleepFor(absl::Microseconds(200));
    }
    events::v1::Envelope envelope;
    envelope.mutable_event()->set_id(std::to_string(i));
    envelope.mutable_event()->mutable_notice()->set_text(text);
    REQUIRE(realtime::Publish(pool, realtime::UserChannel(user_id), envelope).ok());
  }
  reader.join();
  CHECK(received.load() == 3000);
  CHECK_FALSE(fast->closed());
  // The slow one was cut: draining what the kernel held ends in a closed connection.
  CHECK(WaitClosed(*slow, absl::Seconds(30)));
  CHECK(Eventually([&] { return f->gateway().open_websockets() == 1; }));
}

TEST_CASE("typing frames are forwarded to the service with the user's token", "[e2e][events]") {
  PARTA_GATEWAY_FIXTURE(f);
  const std::string token = f->SignUp("typist@example.ru");
  auto socket = f->Connect(token);
  REQUIRE(socket);
  REQUIRE(socket->ReadType("ready", kWait));
  socket->Send(R"({"type":"typing","chatId":"chat-1","id":"t1"})");
  std::optional<json> done = socket->ReadType("done", kWait);
  REQUIRE(done);
  CHECK((*done)["id"] == "t1");
  CHECK(f->backend().typing() == std::vector<std::string>{"chat-1"});
  socket->Send(R"({"type":"typing","chatId":"forbidden","id":"t2"})");
  std::optional<json> error = socket->ReadType("error", kWait);
  REQUIRE(error);
  CHECK((*error)["reason"] == "NOT_A_MEMBER");
  CHECK((*error)["id"] == "t2");

  // Frames that do not fit are refused on the socket, which stays open.
  auto refusal = [&](const std::string& frame) -> std::string {
    socket->Send(frame);
    std::optional<json> answer = socket->ReadType("error", kWait);
    return answer ? (*answer)["reason"].get<std::string>() : "(none)";
  };
  CHECK(refusal("not json") == "MALFORMED_FRAME");
  CHECK(refusal(R"({"type":"ping","x":)" + std::string(10000, '[') + std::string(10000, ']') +
                "}") == "JSON_TOO_DEEP");
  CHECK(refusal(R"({"type":"typing","chatId":5,"id":"t3"})") == "INVALID_FRAME");
  CHECK(refusal(R"({"type":"ack","stream":"chat/1","id":"a1"})") == "INVALID_FRAME");
  CHECK(refusal(R"({"type":"auth","id":"r1"})") == "TOKEN_REQUIRED");
  socket->Send(R"({"type":"ack","stream":"chat/1","sequence":7,"id":"a2"})");
  std::optional<json> acknowledged = socket->ReadType("done", kWait);
  REQUIRE(acknowledged);
  CHECK((*acknowledged)["id"] == "a2");
  CHECK(f->backend().typing() == std::vector<std::string>{"chat-1"});

  // Without a signal backend the gateway says so.
  auto bare = f->StartAnotherGateway([](GatewayConfig& config) {
    config.events.signal_backend.clear();
  });
  auto other = f->Connect(token, bare->http_port());
  REQUIRE(other);
  REQUIRE(other->ReadType("ready", kWait));
  other->Send(R"({"type":"typing","chatId":"chat-1","id":"t4"})");
  std::optional<json> unavailable = other->ReadType("error", kWait);
  REQUIRE(unavailable);
  CHECK((*unavailable)["reason"] == "SIGNALS_UNAVAILABLE");
  other.reset();
  bare->Shutdown(absl::Seconds(1));
}

TEST_CASE("draining closes sockets with going away", "[e2e][events]") {
  PARTA_GATEWAY_FIXTURE(f);
  const std::string token = f->SignUp("drain@example.ru");
  auto socket = f->Connect(token);
  REQUIRE(socket);
  REQUIRE(socket->ReadType("ready", kWait));
  std::thread drain([&] { f->gateway().Shutdown(absl::Seconds(3)); });
  CHECK(WaitClosed(*socket));
  CHECK(socket->close_code() == 1001);
  drain.join();
}

}  // namespace
}  // namespace parta::gateway::testing
