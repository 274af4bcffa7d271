// The gateway over real HTTP against the real identity service and the transcoding backend.

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "libs/testing/servers.h"
#include "libs/testing/status_matchers.h"
#include "services/gateway/tests/e2e/gateway_fixture.h"

namespace parta::gateway::testing {
namespace {

using nlohmann::json;

TEST_CASE("a client registers, logs in and reads its profile over HTTP", "[e2e][http]") {
  PARTA_GATEWAY_FIXTURE(f);
  ClientResponse registered =
      f->Send("POST", "/v1/accounts:register",
              R"({"email":"Uchitel@Школа.рф","password":"Кот учёный ходит по цепи 1837",)"
              R"("display_name":"Анна Петровна"})");
  INFO(registered.body);
  REQUIRE(registered.status == 200);
  CHECK(registered.json()["account"]["displayName"] == "Анна Петровна");
  CHECK(registered.header("content-type") == "application/json");

  ClientResponse login = f->Send(
      "POST", "/v1/sessions:login",
      R"({"login":"UCHITEL@школа.РФ","password":"Кот учёный ходит по цепи 1837","device":"web"})");
  INFO(login.body);
  REQUIRE(login.status == 200);
  const std::string token = login.json()["accessToken"];
  CHECK_FALSE(token.empty());
  CHECK(absl::EndsWith(login.json()["accessTokenExpireTime"].get<std::string>(), "Z"));
  CHECK_FALSE(login.json().contains("tokens"));  // response_body: the pair itself

  ClientResponse refreshed = f->Send("POST", "/v1/sessions:refresh",
                                     json{{"refreshToken", login.json()["refreshToken"]}}.dump());
  INFO(refreshed.body);
  REQUIRE(refreshed.status == 200);
  CHECK(refreshed.json()["sessionId"] == login.json()["sessionId"]);
  CHECK(refreshed.json()["refreshToken"] != login.json()["refreshToken"]);

  ClientResponse me = f->Get("/v1/me", token);
  INFO(me.body);
  REQUIRE(me.status == 200);
  CHECK(me.json()["displayName"] == "Анна Петровна");
  CHECK(me.json()["state"].is_string());  // enums by name
  CHECK(me.json()["id"] == registered.json()["account"]["id"]);
  // Identity and security headers on every answer.
  CHECK_FALSE(me.header("x-request-id").empty());
  CHECK(me.header("x-content-type-options") == "nosniff");
  CHECK(me.header("cache-control") == "no-store");

  ClientResponse renamed =
      f->Send("PATCH", "/v1/me", R"({"displayName":"Анна П.","updateMask":"displayName"})", token);
  INFO(renamed.body);
  CHECK(renamed.status == 200);
  CHECK(renamed.json()["displayName"] == "Анна П.");  // response_body: the account itself
  CHECK(f->Get("/v1/me", token).json()["displayName"] == "Анна П.");

  // The signing keys, and how long they may be cached as a JSON Duration.
  ClientResponse keys = f->Get("/v1/jwks");
  INFO(keys.body);
  REQUIRE(keys.status == 200);
  CHECK(keys.json()["jwksJson"].is_string());
  CHECK(keys.json()["maxAge"] == "300s");
  CHECK_FALSE(keys.json().contains("maxAgeSeconds"));
}

TEST_CASE("tokens are checked at the gateway", "[e2e][http]") {
  PARTA_GATEWAY_FIXTURE(f);
  const std::string token = f->SignUp("parent@example.ru");

  ClientResponse anonymous = f->Get("/v1/me");
  CHECK(anonymous.status == 401);
  CHECK(anonymous.reason() == "TOKEN_REQUIRED");
  CHECK(anonymous.header("www-authenticate") == "Bearer");

  ClientResponse basic = HttpRequest(f->port(), "GET", "/v1/me", "",
                                     {{"authorization", "Basic dXNlcjpwYXNz"}});
  CHECK(basic.status == 401);
  CHECK(basic.reason() == "MALFORMED_TOKEN");

  ClientResponse garbage = f->Get("/v1/me", "not.a.token");
  CHECK(garbage.status == 401);
  CHECK(garbage.reason() == "MALFORMED_TOKEN");

  std::string tampered = token;
  tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
  ClientResponse bad_signature = f->Get("/v1/me", tampered);
  CHECK(bad_signature.status == 401);
  CHECK(bad_signature.reason() == "BAD_SIGNATURE");

  // A public route takes a token too, and a bad one is refused rather than ignored.
  ClientResponse public_with_bad = f->Send("POST", "/v1/testing:fail", "{}", tampered);
  CHECK(public_with_bad.status == 401);

  // After logout the same token is refused: the revoked session is in Redis.
  REQUIRE(f->Send("POST", "/v1/sessions:logout", "{}", token).status == 200);
  REQUIRE_OK(f->identity().app().RelayEvents());
  ClientResponse after_logout = f->Get("/v1/me", token);
  CHECK(after_logout.status == 401);
  CHECK(after_logout.reason() == "SESSION_REVOKED");
}

TEST_CASE("service errors keep their reason over HTTP", "[e2e][http]") {
  PARTA_GATEWAY_FIXTURE(f);
  f->SignUp("teacher@example.ru");
  ClientResponse again =
      f->Send("POST", "/v1/accounts:register",
              R"({"email":"TEACHER@example.ru","password":"Кот учёный ходит по цепи 1837",)"
              R"("displayName":"Двойник"})");
  CHECK(again.status == 409);
  CHECK(again.reason() == "ACCOUNT_EXISTS");
  ClientResponse invalid = f->Send("POST", "/v1/accounts:register",
                                   R"({"email":"not-an-email","password":"x"})");
  CHECK(invalid.status == 400);
  CHECK_FALSE(invalid.reason().empty());
  ClientResponse wrong = f->Send("POST", "/v1/sessions:login",
                                 R"({"login":"teacher@example.ru","password":"wrong password 1"})");
  CHECK(wrong.status == 401);
  CHECK(wrong.reason() == "INVALID_CREDENTIALS");
  CHECK(wrong.json()["error"]["status"] == "UNAUTHENTICATED");
  CHECK_FALSE(wrong.json()["error"]["requestId"].get<std::string>().empty());
}

TEST_CASE("every status code maps to its HTTP code with the reason and Retry-After",
          "[e2e][http]") {
  PARTA_GATEWAY_FIXTURE(f);
  struct Case {
    int code;
    int http;
  };
  for (Case c : {Case{3, 400}, Case{9, 400}, Case{11, 400}, Case{16, 401}, Case{7, 403},
                 Case{5, 404}, Case{6, 409}, Case{10, 409}, Case{8, 429}, Case{12, 501},
                 Case{14, 503}, Case{4, 504}, Case{13, 500}, Case{2, 500}, Case{15, 500}}) {
    json request = {{"code", c.code}, {"reason", "REASON_" + std::to_string(c.code)}};
    if (c.code == 8) request["retryAfterSeconds"] = 7;
    ClientResponse response = f->Send("POST", "/v1/testing:fail", request.dump());
    INFO("code " << c.code << ": " << response.body);
    CHECK(response.status == c.http);
    CHECK(response.reason() == "REASON_" + std::to_string(c.code));
    CHECK(response.json()["error"]["code"] == c.http);
    if (c.code == 8) CHECK(response.header("retry-after") == "7");
  }
}

TEST_CASE("the transcoder maps paths, bodies, queries and metadata", "[e2e][http]") {
  PARTA_GATEWAY_FIXTURE(f);
  const std::string token = f->SignUp("admin@example.ru");

  ClientResponse get = HttpRequest(
      f->port(), "GET",
      "/v1/academies/42/classes/5%D0%90?tags=a&tags=b&limit=9007199254740993&kind=KIND_PRESCHOOL"
      "&filter.subject=%D0%A5%D0%B8%D0%BC%D0%B8%D1%8F&asOf=2026-09-01T08:00:00Z",
      "",
      {{"x-request-id", "client-chosen-id"},
       {"traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
       {"x-forwarded-for", "203.0.113.7"}});
  INFO(get.body);
  REQUIRE(get.status == 200);
  json cls = get.json();
  CHECK(cls["name"] == "academies/42/classes/5А");
  CHECK(cls["tags"] == json::array({"a", "b"}));
  CHECK(cls["limit"] == "9007199254740993");
  CHECK(cls["kind"] == "KIND_PRESCHOOL");
  CHECK(cls["filter"]["subject"] == "Химия");
  CHECK(cls["createdAt"] == "2026-09-01T08:00:00Z");
  CHECK(cls["seen"]["authorized"] == false);
  CHECK(cls["seen"]["requestId"] == "client-chosen-id");
  CHECK(get.header("x-request-id") == "client-chosen-id");
  CHECK(cls["seen"]["traceparent"] ==
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  // The gateway trusts no proxy by default: the client is the TCP peer.
  CHECK(cls["seen"]["forwardedFor"] == "127.0.0.1");

  // Without a request id or trace context the gateway makes them.
  json fresh = f->Get("/v1/academies/1/classes/2").json();
  CHECK_FALSE(fresh["seen"]["requestId"].get<std::string>().empty());
  CHECK(fresh["seen"]["traceparent"].get<std::string>().size() == 55);

  // The additional binding reaches the same RPC.
  json extra = f->Get("/v1/testing/classes/a/b/c").json();
  CHECK(extra["name"] == "a/b/c");
  CHECK(extra["seen"]["method"] == "GetClass");

  // body "*" with the parent from the path; the token travels to the service.
  ClientResponse created = f->Send("POST", "/v1/academies/7/classes",
                                   R"({"class":{"title":"5А","grade":5}})", token);
  INFO(created.body);
  REQUIRE(created.status == 200);
  CHECK(created.json()["parent"] == "academies/7");
  CHECK(created.json()["title"] == "5А");
  CHECK(created.json()["seen"]["authorized"] == true);

  // body "class" with its name from the path and the mask from the query.
  ClientResponse updated = f->Send("PATCH", "/v1/academies/7/classes/9?updateMask=title",
                                   R"({"title":"6Б"})", token);
  INFO(updated.body);
  REQUIRE(updated.status == 200);
  CHECK(updated.json()["name"] == "academies/7/classes/9");
  CHECK(updated.json()["title"] == "6Б");
  CHECK(updated.json()["parent"] == "title");
  ClientResponse replaced = f->Send("PUT", "/v1/academies/7/classes/9:replace",
                                    R"({"title":"7В"})", token);
  CHECK(replaced.status == 200);
  CHECK(replaced.json()["title"] == "7В");

  // response_body: only the list.
  ClientResponse students = f->Get("/v1/academies/7/classes/9/students?pageSize=2", token);
  INFO(students.body);
  REQUIRE(students.status == 200);
  REQUIRE(students.json().is_array());
  CHECK(students.json().size() == 2);
  CHECK(students.json()[1]["displayName"] == "Ученик 2");

  ClientResponse deleted = f->Send("DELETE", "/v1/academies/7/classes/9", "", token);
  CHECK(deleted.status == 200);
  CHECK(deleted.body == "{}");
}

TEST_CASE("behind a trusted proxy the client is the nearest untrusted hop of every "
          "X-Forwarded-For line",
          "[e2e][http]") {
  PARTA_GATEWAY_FIXTURE(f, [](GatewayConfig& config) {
    config.rest.trusted_proxies = {"127.0.0.1", "10.0.0.0/8"};
  });
  // The client forged a line of its own; the proxy appended another line rather than extending
  // the client's (the keys differ only in case, so they go out as two lines).
  ClientResponse two_lines =
      HttpRequest(f->port(), "GET", "/v1/academies/1/classes/2", "",
                  {{"X-Forwarded-For", "203.0.113.9"},
                   {"x-forwarded-for", "198.51.100.23, 10.1.1.1"}});
  INFO(two_lines.body);
  REQUIRE(two_lines.status == 200);
  CHECK(two_lines.json()["seen"]["forwardedFor"] == "198.51.100.23");
  ClientResponse one_line = HttpRequest(f->port(), "GET", "/v1/academies/1/classes/2", "",
                                        {{"x-forwarded-for", "203.0.113.9, 198.51.100.24"}});
  CHECK(one_line.json()["seen"]["forwardedFor"] == "198.51.100.24");
}

TEST_CASE("requests that do not fit are refused with clear errors", "[e2e][http]") {
  PARTA_GATEWAY_FIXTURE(f);
  const std::string token = f->SignUp("pupil@example.ru");
  ClientResponse unknown = f->Get("/v1/nowhere");
  CHECK(unknown.status == 404);
  CHECK(unknown.reason() == "ROUTE_NOT_FOUND");
  ClientResponse method = f->Send("DELETE", "/v1/me", "", token);
  CHECK(method.status == 405);
  CHECK(method.header("allow") == "GET, PATCH");
  CHECK(method.reason() == "METHOD_NOT_ALLOWED");
  ClientResponse internal = f->Send("POST", "/v1/testing:purge", "{}", token);
  CHECK(internal.status == 404);
  ClientResponse malformed = f->Send("POST", "/v1/academies/7/classes", "{\"class\":", token);
  CHECK(malformed.status == 400);
  CHECK(malformed.reason() == "MALFORMED_JSON");
  ClientResponse unknown_field = f->Send("POST", "/v1/academies/7/classes", R"({"klass":{}})", token);
  CHECK(unknown_field.status == 400);
  CHECK(unknown_field.reason() == "INVALID_REQUEST_FIELD");
  ClientResponse wrong_type =
      f->Send("POST", "/v1/academies/7/classes", R"({"class":{"grade":"пятый"}})", token);
  CHECK(wrong_type.status == 400);
  CHECK(wrong_type.reason() == "INVALID_REQUEST_FIELD");
  ClientResponse unknown_query = f->Get("/v1/academies/1/classes/2?colour=red");
  CHECK(unknown_query.status == 400);
  CHECK(unknown_query.reason() == "UNKNOWN_QUERY_PARAMETER");
  ClientResponse xml = HttpRequest(f->port(), "POST", "/v1/testing:fail", "<fail/>",
                                   {{"content-type", "application/xml"}});
  CHECK(xml.status == 415);
  CHECK(xml.reason() == "UNSUPPORTED_MEDIA_TYPE");
}

TEST_CASE("a body nested too deeply is refused on every route and the gateway stays up",
          "[e2e][http]") {
  PARTA_GATEWAY_FIXTURE(f);
  const std::string token = f->SignUp("nesting@example.ru");
  // ~200 KB that once overflowed the stack of the JSON round trip behind a path variable.
  const std::string deep =
      "{\"x\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
  for (const char* target : {"/v1/me/sessions/01900000-0000-7000-8000-000000000000:revoke",
                             "/v1/academies/7/classes", "/v1/testing:fail"}) {
    INFO(target);
    ClientResponse refused = f->Send("POST", target, deep, token);
    CHECK(refused.status == 400);
    CHECK(refused.reason() == "JSON_TOO_DEEP");
  }
  ClientResponse health = f->Get("/healthz");
  CHECK(health.status == 200);
  // Sixty-four levels are still a request (refused for its content, not its shape).
  const std::string within = "{\"x\":" + std::string(63, '[') + std::string(63, ']') + "}";
  ClientResponse shallow = f->Send("POST", "/v1/academies/7/classes", within, token);
  CHECK(shallow.reason() == "INVALID_REQUEST_FIELD");
}

TEST_CASE("a slow backend times out and a missing one is unavailable", "[e2e][http]") {
  PARTA_GATEWAY_FIXTURE(f, [](GatewayConfig& config) {
    config.rest.backend_timeout = absl::Milliseconds(300);
  });
  ClientResponse slow = f->Send("POST", "/v1/testing:fail", R"({"delayMs":2000})");
  CHECK(slow.status == 504);
  CHECK(slow.reason() == "BACKEND_TIMEOUT");

  auto down = f->StartAnotherGateway([](GatewayConfig& config) {
    config.backends["testing"] = "127.0.0.1:1";  // nothing listens there
    config.rest.backend_timeout = absl::Seconds(2);
  });
  ClientResponse unavailable =
      HttpRequest(down->http_port(), "POST", "/v1/testing:fail", "{}");
  CHECK(unavailable.status == 503);
  CHECK(unavailable.reason() == "BACKEND_UNAVAILABLE");
  down->Shutdown(absl::Seconds(1));
}

TEST_CASE("oversize, malformed, slow and silent clients get a clean end", "[e2e][http]") {
  PARTA_GATEWAY_FIXTURE(f, [](GatewayConfig& config) {
    config.http.max_body_bytes = 4096;
    config.http.max_header_bytes = 2048;
    config.http.max_header_count = 20;
    config.http.read_timeout = absl::Seconds(1);
  });
  ClientResponse big_body = f->Send("POST", "/v1/testing:fail",
                                    "{\"reason\":\"" + std::string(10000, 'x') + "\"}");
  CHECK(big_body.status == 413);
  CHECK(big_body.reason() == "BODY_TOO_LARGE");

  ClientResponse big_header =
      HttpRequest(f->port(), "GET", "/healthz", "", {{"x-padding", std::string(4000, 'y')}});
  CHECK(big_header.status == 431);

  std::map<std::string, std::string> many;
  for (int i = 0; i < 30; ++i) many["x-header-" + std::to_string(i)] = "1";
  ClientResponse too_many = HttpRequest(f->port(), "GET", "/healthz", "", many);
  CHECK(too_many.status == 431);
  CHECK(too_many.reason() == "TOO_MANY_HEADERS");

  RawResult garbage = RawExchange(f->port(), {"NOT HTTP AT ALL\r\n\r\n"}, absl::ZeroDuration(),
                                  absl::Seconds(5));
  CHECK(absl::StartsWith(garbage.received, "HTTP/1.1 400"));
  CHECK(garbage.closed);

  // A client that trickles its headers is cut off after the read timeout.
  const absl::Time start = absl::Now();
  RawResult trickle = RawExchange(
      f->port(), {"GET /healthz HTTP/1.1\r\n", "Host: x\r\n", "X-A: 1\r\n", "X-B: 2\r\n"},
      absl::Milliseconds(400), absl::Seconds(5));
  CHECK(trickle.closed);
  CHECK(trickle.received.empty());
  CHECK(absl::Now() - start < absl::Seconds(4));

  // A client that connects and says nothing is closed too.
  RawResult silent = RawExchange(f->port(), {}, absl::ZeroDuration(), absl::Seconds(5));
  CHECK(silent.closed);

  // The gateway still serves afterwards.
  CHECK(f->Get("/healthz").status == 200);
}

TEST_CASE("CORS answers configured origins only", "[e2e][http]") {
  PARTA_GATEWAY_FIXTURE(f, [](GatewayConfig& config) {
    config.rest.cors_origins = {"https://school.example"};
  });
  ClientResponse preflight = HttpRequest(
      f->port(), "OPTIONS", "/v1/me", "",
      {{"origin", "https://school.example"}, {"access-control-request-method", "GET"}});
  CHECK(preflight.status == 204);
  CHECK(preflight.header("access-control-allow-origin") == "https://school.example");
  CHECK(absl::StrContains(preflight.header("access-control-allow-headers"), "authorization"));
  ClientResponse stranger =
      HttpRequest(f->port(), "GET", "/healthz", "", {{"origin", "https://evil.example"}});
  CHECK(stranger.status == 200);
  CHECK(stranger.header("access-control-allow-origin").empty());
}

TEST_CASE("health stays while readiness follows Redis", "[e2e][http]") {
  parta::testing::PrivateRedis redis;
  PARTA_GATEWAY_FIXTURE(f, [&](GatewayConfig& config) { config.redis_uri = redis.uri(); });
  CHECK(f->Get("/healthz").status == 200);
  auto ready_is = [&](int status, const std::string& reason) {
    for (int i = 0; i < 100; ++i) {
      ClientResponse ready = f->Get("/readyz");
      if (ready.status == status && ready.reason() == reason) return true;
      absl::SleepFor(absl::Milliseconds(50));
    }
    return false;
  };
  CHECK(ready_is(200, ""));
  redis.Kill();
  CHECK(ready_is(503, "REDIS_UNAVAILABLE"));
  CHECK(f->Get("/healthz").status == 200);  // alive, only not ready
  redis.Start();
  CHECK(ready_is(200, ""));
}

}  // namespace
}  // namespace parta::gateway::testing

namespace parta::gateway::testing {
namespace {

TEST_CASE("the gateway serves its OpenAPI document with nested resource paths", "[e2e][http]") {
  PARTA_GATEWAY_FIXTURE(f);
  ClientResponse response = f->Get("/v1/openapi.json");
  REQUIRE(response.status == 200);
  nlohmann::json document = response.json();
  REQUIRE(document.is_object());
  CHECK(document["openapi"] == "3.0.3");
  const nlohmann::json& item = document["paths"]["/v1/academies/{academies}/classes/{classes}"];
  CHECK(item.contains("get"));
  CHECK(item.contains("patch"));
  CHECK(item.contains("delete"));
  CHECK(item["patch"]["security"][0].contains("bearer"));
  CHECK(document["paths"].contains("/v1/testing/classes/{name}"));
  CHECK_FALSE(document["paths"].contains("/v1/testing:purge"));  // internal
  bool nested_query = false;
  for (const auto& parameter : item["get"]["parameters"]) {
    nested_query |= parameter["name"] == "filter.minGrade";
  }
  CHECK(nested_query);
}

}  // namespace
}  // namespace parta::gateway::testing
