// The emulator binary driven over HTTP as Parta's identity service drives ESIA: the happy path
// and every refusal the client must be able to tell apart.

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "libs/core/random.h"
#include "libs/testing/certificates.h"
#include "libs/testing/esia_emulator_server.h"
#include "tools/esia-emulator/tests/esia_test_client.h"
#include "tools/esia-emulator/timestamp.h"

namespace parta::esia_emulator {
namespace {

constexpr char kClientId[] = "PARTA";
constexpr char kRedirectUri[] = "https://parta.example/identity/esia/callback";
constexpr char kOtherRedirectUri[] = "https://parta.example/identity/esia/callback-2";

testing::PrivateEsia StartEsia() {
  return testing::PrivateEsia(kClientId, {kRedirectUri, kOtherRedirectUri});
}

std::string ValueOf(const RequestParams& params, const std::string& name) {
  const auto found = params.find(name);
  return found == params.end() ? "" : found->second;
}

// Requires a 302 back to the registered URI carrying `error` and the request's state.
void RequireErrorRedirect(const http::Response& response, const RequestParams& request,
                          const std::string& error) {
  INFO(response.status << " " << response.body);
  REQUIRE(response.status == 302);
  const std::string location = response.Header("Location");
  INFO(location);
  REQUIRE(absl::StartsWith(location, std::string(kRedirectUri) + "?"));
  const RequestParams answer = QueryOf(location);
  CHECK(ValueOf(answer, "error") == error);
  CHECK(!ValueOf(answer, "error_description").empty());
  CHECK(ValueOf(answer, "state") == ValueOf(request, "state"));
  CHECK(!answer.contains("code"));
}

// Requires a 400 JSON token error `error`.
void RequireTokenError(const http::Response& response, const std::string& error) {
  INFO(response.body);
  REQUIRE(response.status == 400);
  CHECK(absl::StartsWith(response.Header("Content-Type"), "application/json"));
  const nlohmann::json body = nlohmann::json::parse(response.body);
  CHECK(body.at("error") == error);
  CHECK(!body.at("error_description").get<std::string>().empty());
  CHECK(!body.contains("access_token"));
}

nlohmann::json JsonOf(const http::Response& response) {
  INFO(response.body);
  REQUIRE(absl::StartsWith(response.Header("Content-Type"), "application/json"));
  return nlohmann::json::parse(response.body);
}

TEST_CASE("The emulator logs ivanov in and hands out his data as the scope allows",
          "[esia][integration]") {
  testing::PrivateEsia esia = StartEsia();
  EsiaTestClient client(esia);

  // The authorisation request opens the login page listing every test person.
  RequestParams request = client.AuthorizationParams(kAllScopes, kRedirectUri);
  const http::Response page = client.GetAuthorization(request);
  INFO(page.body);
  REQUIRE(page.status == 200);
  CHECK(absl::StartsWith(page.Header("Content-Type"), "text/html; charset=utf-8"));
  CHECK(absl::StrContains(page.body, R"(<form method="post" action="/aas/oauth2/v2/ac/login">)"));
  for (const char* login : {"ivanov", "petrova", "sidorov", "kuznetsova"}) {
    CHECK(absl::StrContains(page.body, std::string(R"(name="person" value=")") + login + "\""));
  }
  CHECK(absl::StrContains(page.body, "Иванов Иван Иванович"));
  const std::string request_id = LoginRequestId(page.body);
  REQUIRE(request_id.size() >= 32);

  // Choosing ivanov sends the browser back with a code and the request's state.
  const http::Response login = client.Login(request_id, "ivanov");
  REQUIRE(login.status == 302);
  const std::string location = login.Header("Location");
  REQUIRE(absl::StartsWith(location, std::string(kRedirectUri) + "?code="));
  const RequestParams callback = QueryOf(location);
  CHECK(ValueOf(callback, "state") == ValueOf(request, "state"));
  const std::string code = ValueOf(callback, "code");
  REQUIRE(code.size() >= 32);

  // The code buys an access token and an ID token.
  const RequestParams token_request = client.TokenParams(code, kRedirectUri, kAllScopes);
  const absl::Time before = absl::Now() - absl::Seconds(1);
  const http::Response token_response = client.PostToken(token_request);
  const absl::Time after = absl::Now() + absl::Seconds(1);
  INFO(token_response.body);
  REQUIRE(token_response.status == 200);
  const nlohmann::json tokens = JsonOf(token_response);
  CHECK(!tokens.at("access_token").get<std::string>().empty());
  CHECK(tokens.at("expires_in") == 3600);
  CHECK(tokens.at("state") == ValueOf(token_request, "state"));
  CHECK(tokens.at("token_type") == "Bearer");
  CHECK(!tokens.at("refresh_token").get<std::string>().empty());

  const std::optional<VerifiedJwt> id_token =
      VerifyJwt(tokens.at("id_token").get<std::string>(), esia.provider_certificate_path());
  REQUIRE(id_token.has_value());
  CHECK(id_token->header.at("alg") == "RS256");
  CHECK(id_token->header.at("typ") == "JWT");
  CHECK(id_token->header.at("kid").get<std::string>().size() == 16);
  const nlohmann::json& claims = id_token->claims;
  CHECK(claims.at("iss") == esia.issuer());
  CHECK(claims.at("aud") == kClientId);
  CHECK(claims.at("sub") == "1000000001");
  const int64_t iat = claims.at("iat").get<int64_t>();
  CHECK(iat >= absl::ToUnixSeconds(before));
  CHECK(iat <= absl::ToUnixSeconds(after));
  CHECK(claims.at("nbf") == iat);
  CHECK(claims.at("exp") == iat + 3600);
  CHECK(claims.at("auth_time").get<int64_t>() <= iat);
  CHECK(claims.at("auth_time").get<int64_t>() >= iat - 60);
  CHECK(!claims.contains("nonce"));
  CHECK(claims.at("amr") == "PWD");
  CHECK(!claims.at("urn:esia:sid").get<std::string>().empty());
  const nlohmann::json& subject = claims.at("urn:esia:sbj");
  CHECK(subject.at("urn:esia:sbj_typ") == "P");
  CHECK(subject.at("urn:esia:sbj_is_tru") == true);
  CHECK(subject.at("urn:esia:sbj_oid") == 1000000001);
  CHECK(subject.at("urn:esia:sbj_nm") == "ivanov");

  // The access token reads the person, the contacts and the children.
  const std::string access_token = tokens.at("access_token").get<std::string>();
  const http::Response person = client.GetResource("/rs/prns/1000000001", access_token);
  REQUIRE(person.status == 200);
  CHECK(JsonOf(person) == nlohmann::json{{"oid", 1000000001},
                                         {"firstName", "Иван"},
                                         {"lastName", "Иванов"},
                                         {"middleName", "Иванович"},
                                         {"birthDate", "12.03.1985"},
                                         {"gender", "M"},
                                         {"trusted", true},
                                         {"snils", "112-233-445 95"}});

  const http::Response contacts =
      client.GetResource("/rs/prns/1000000001/ctts?embed=(elements)", access_token);
  REQUIRE(contacts.status == 200);
  CHECK(JsonOf(contacts) == nlohmann::json::parse(R"({"elements":[
          {"type":"EML","vrfStu":"VERIFIED","value":"ivanov@example.ru"},
          {"type":"MBT","vrfStu":"VERIFIED","value":"+7(900)1000001"}]})"));

  const http::Response kids =
      client.GetResource("/rs/prns/1000000001/kids?embed=(elements)", access_token);
  REQUIRE(kids.status == 200);
  CHECK(JsonOf(kids) == nlohmann::json::parse(R"({"elements":[
          {"oid":1000000101,"firstName":"Мария","lastName":"Иванова","middleName":"Ивановна",
           "birthDate":"01.09.2014","gender":"F"},
          {"oid":1000000102,"firstName":"Пётр","lastName":"Иванов","middleName":"Иванович",
           "birthDate":"15.05.2017","gender":"M"}]})"));
}

TEST_CASE("The emulator answers health checks and unknown paths", "[esia][integration]") {
  testing::PrivateEsia esia = StartEsia();
  http::Client http("127.0.0.1", esia.port());
  const absl::StatusOr<http::Response> health = http.Get("/healthz", absl::Seconds(10));
  REQUIRE(health.ok());
  CHECK(health->status == 200);
  CHECK(health->body == "ok");
  const absl::StatusOr<http::Response> unknown = http.Get("/nothing/here", absl::Seconds(10));
  REQUIRE(unknown.ok());
  CHECK(unknown->status == 404);
  CHECK(nlohmann::json::parse(unknown->body).at("error") == "not_found");
  // The token endpoint takes POST only.
  const absl::StatusOr<http::Response> get_token = http.Get("/aas/oauth2/v3/te", absl::Seconds(10));
  REQUIRE(get_token.ok());
  CHECK(get_token->status == 404);
}

TEST_CASE("An authorisation request signed with another key is sent back as unauthorized_client",
          "[esia][integration]") {
  testing::PrivateEsia esia = StartEsia();
  EsiaTestClient client(esia);
  const std::string folder = esia.log_path() + ".intruder";
  const testing::CertificateFiles intruder = testing::WriteSelfSignedCertificate(folder);

  SECTION("its own certificate inside the CMS") {
    RequestParams request = client.AuthorizationParams("openid", kRedirectUri);
    client.SignAuthorization(request, intruder.key_path, intruder.certificate_path);
    RequireErrorRedirect(client.GetAuthorization(request), request, "unauthorized_client");
  }
  SECTION("no certificate inside the CMS") {
    RequestParams request = client.AuthorizationParams("openid", kRedirectUri);
    request["client_secret"] = SignCms(
        intruder.key_path, intruder.certificate_path,
        std::string(kClientId) + "openid" + request["timestamp"] + request["state"] + kRedirectUri,
        /*include_certificate=*/false, /*detached=*/true);
    RequireErrorRedirect(client.GetAuthorization(request), request, "unauthorized_client");
  }
  SECTION("the right key over other data") {
    RequestParams request = client.AuthorizationParams("openid", kRedirectUri);
    const std::string signed_secret = request["client_secret"];
    request = client.AuthorizationParams("openid fullname", kRedirectUri);
    request["client_secret"] = signed_secret;
    RequireErrorRedirect(client.GetAuthorization(request), request, "unauthorized_client");
  }
  SECTION("a client_secret that is not a CMS") {
    RequestParams request = client.AuthorizationParams("openid", kRedirectUri);
    request["client_secret"] = "bm90IGEgc2lnbmF0dXJl";
    RequireErrorRedirect(client.GetAuthorization(request), request, "unauthorized_client");
  }
  SECTION("a CMS with the content inside instead of detached") {
    RequestParams request = client.AuthorizationParams("openid", kRedirectUri);
    request["client_secret"] = SignCms(
        esia.client_key_path(), esia.client_certificate_path(),
        std::string(kClientId) + "openid" + request["timestamp"] + request["state"] + kRedirectUri,
        /*include_certificate=*/true, /*detached=*/false);
    RequireErrorRedirect(client.GetAuthorization(request), request, "unauthorized_client");
  }
  SECTION("a wrong certificate hash") {
    RequestParams request = client.AuthorizationParams("openid", kRedirectUri);
    request["client_certificate_hash"] = std::string(64, '0');
    RequireErrorRedirect(client.GetAuthorization(request), request, "unauthorized_client");
  }
  std::filesystem::remove_all(folder);
}

TEST_CASE("The emulator takes the registered client's signature in each accepted form",
          "[esia][integration]") {
  testing::PrivateEsia esia = StartEsia();
  EsiaTestClient client(esia);
  RequestParams request = client.AuthorizationParams("openid", kRedirectUri);
  const std::string data =
      std::string(kClientId) + "openid" + request["timestamp"] + request["state"] + kRedirectUri;
  SECTION("without the certificate inside the CMS") {
    request["client_secret"] = SignCms(esia.client_key_path(), esia.client_certificate_path(), data,
                                       /*include_certificate=*/false, /*detached=*/true);
  }
  SECTION("base64url with padding") {
    std::string secret = request["client_secret"];
    while (secret.size() % 4 != 0) secret += '=';
    request["client_secret"] = secret;
  }
  const http::Response page = client.GetAuthorization(request);
  INFO(page.body);
  CHECK(page.status == 200);
  CHECK(!LoginRequestId(page.body).empty());
}

TEST_CASE("An unknown client or an unregistered redirect URI gets a page, never a redirect",
          "[esia][integration]") {
  testing::PrivateEsia esia = StartEsia();
  EsiaTestClient client(esia);

  SECTION("an unregistered redirect URI, even correctly signed") {
    RequestParams request =
        client.AuthorizationParams("openid", "https://attacker.example/callback");
    const http::Response response = client.GetAuthorization(request);
    CHECK(response.status == 400);
    CHECK(response.Header("Location").empty());
    CHECK(absl::StartsWith(response.Header("Content-Type"), "text/html"));
    CHECK(absl::StrContains(response.body, "redirect_uri"));
  }
  SECTION("a registered URI with something appended") {
    RequestParams request =
        client.AuthorizationParams("openid", std::string(kRedirectUri) + "/../evil");
    const http::Response response = client.GetAuthorization(request);
    CHECK(response.status == 400);
    CHECK(response.Header("Location").empty());
  }
  SECTION("an unknown client_id") {
    RequestParams request = client.AuthorizationParams("openid", kRedirectUri);
    request["client_id"] = "SOMEONE-ELSE";
    const http::Response response = client.GetAuthorization(request);
    CHECK(response.status == 400);
    CHECK(response.Header("Location").empty());
    CHECK(absl::StrContains(response.body, "client_id"));
  }
  SECTION("no client_id") {
    RequestParams request = client.AuthorizationParams("openid", kRedirectUri);
    request.erase("client_id");
    const http::Response response = client.GetAuthorization(request);
    CHECK(response.status == 400);
    CHECK(response.Header("Location").empty());
  }
}

TEST_CASE("The authorisation endpoint names each malformed request's error in the redirect",
          "[esia][integration]") {
  testing::PrivateEsia esia = StartEsia();
  EsiaTestClient client(esia);

  SECTION("a stale timestamp") {
    RequestParams request = client.AuthorizationParams("openid", kRedirectUri);
    request["timestamp"] = FormatEsiaTimestamp(absl::Now() - absl::Minutes(6));
    client.SignAuthorization(request, esia.client_key_path(), esia.client_certificate_path());
    RequireErrorRedirect(client.GetAuthorization(request), request, "invalid_request");
  }
  SECTION("a timestamp from the future") {
    RequestParams request = client.AuthorizationParams("openid", kRedirectUri);
    request["timestamp"] = FormatEsiaTimestamp(absl::Now() + absl::Minutes(6), -300);
    client.SignAuthorization(request, esia.client_key_path(), esia.client_certificate_path());
    RequireErrorRedirect(client.GetAuthorization(request), request, "invalid_request");
  }
  SECTION("a malformed timestamp") {
    RequestParams request = client.AuthorizationParams("openid", kRedirectUri);
    request["timestamp"] = "2026-12-07T12:00:00Z";
    client.SignAuthorization(request, esia.client_key_path(), esia.client_certificate_path());
    RequireErrorRedirect(client.GetAuthorization(request), request, "invalid_request");
  }
  SECTION("a state that is not a UUID") {
    RequestParams request = client.AuthorizationParams("openid", kRedirectUri);
    request["state"] = "not-a-uuid";
    client.SignAuthorization(request, esia.client_key_path(), esia.client_certificate_path());
    RequireErrorRedirect(client.GetAuthorization(request), request, "invalid_request");
  }
  SECTION("an unknown scope") {
    RequestParams request = client.AuthorizationParams("openid fullname passport", kRedirectUri);
    RequireErrorRedirect(client.GetAuthorization(request), request, "invalid_scope");
  }
  SECTION("a scope without openid") {
    RequestParams request = client.AuthorizationParams("fullname", kRedirectUri);
    RequireErrorRedirect(client.GetAuthorization(request), request, "invalid_scope");
  }
  SECTION("response_type token") {
    RequestParams request = client.AuthorizationParams("openid", kRedirectUri);
    request["response_type"] = "token";
    RequireErrorRedirect(client.GetAuthorization(request), request, "unsupported_response_type");
  }
  SECTION("a bad access_type") {
    RequestParams request = client.AuthorizationParams("openid", kRedirectUri);
    request["access_type"] = "forever";
    RequireErrorRedirect(client.GetAuthorization(request), request, "invalid_request");
  }
  SECTION("no client_secret") {
    RequestParams request = client.AuthorizationParams("openid", kRedirectUri);
    request.erase("client_secret");
    RequireErrorRedirect(client.GetAuthorization(request), request, "invalid_request");
  }
}

TEST_CASE("The login form refuses unknown requests and persons", "[esia][integration]") {
  testing::PrivateEsia esia = StartEsia();
  EsiaTestClient client(esia);
  const http::Response page =
      client.GetAuthorization(client.AuthorizationParams("openid", kRedirectUri));
  REQUIRE(page.status == 200);
  const std::string request_id = LoginRequestId(page.body);

  const http::Response unknown_person = client.Login(request_id, "nobody");
  CHECK(unknown_person.status == 400);
  CHECK(unknown_person.Header("Location").empty());
  const http::Response unknown_request = client.Login("no-such-request", "ivanov");
  CHECK(unknown_request.status == 400);
  CHECK(unknown_request.Header("Location").empty());

  // A mistyped person does not use the request up; a login does.
  CHECK(client.Login(request_id, "petrova").status == 302);
  const http::Response again = client.Login(request_id, "petrova");
  CHECK(again.status == 400);
  CHECK(again.Header("Location").empty());
}

TEST_CASE("A code is good for one token request", "[esia][integration]") {
  testing::PrivateEsia esia = StartEsia();
  EsiaTestClient client(esia);
  const std::string code = client.AuthorizeAs("ivanov", "openid fullname");
  client.ExchangeCode(code, "openid fullname");
  RequireTokenError(client.PostToken(client.TokenParams(code, kRedirectUri, "openid fullname")),
                    "invalid_grant");
}

TEST_CASE("A code presented with another redirect URI is refused and used up",
          "[esia][integration]") {
  testing::PrivateEsia esia = StartEsia();
  EsiaTestClient client(esia);
  const std::string code = client.AuthorizeAs("ivanov", "openid");
  RequireTokenError(client.PostToken(client.TokenParams(code, kOtherRedirectUri, "openid")),
                    "invalid_grant");
  RequireTokenError(client.PostToken(client.TokenParams(code, kRedirectUri, "openid")),
                    "invalid_grant");
}

TEST_CASE("An unknown code is invalid_grant", "[esia][integration]") {
  testing::PrivateEsia esia = StartEsia();
  EsiaTestClient client(esia);
  RequireTokenError(client.PostToken(client.TokenParams("no-such-code", kRedirectUri, "openid")),
                    "invalid_grant");
}

TEST_CASE("The token endpoint tells the client's faults from the request's",
          "[esia][integration]") {
  testing::PrivateEsia esia = StartEsia();
  EsiaTestClient client(esia);
  const std::string code = client.AuthorizeAs("petrova", "openid");

  SECTION("signed with another key: invalid_client, and the code survives") {
    const testing::CertificateFiles intruder =
        testing::WriteSelfSignedCertificate(esia.log_path() + ".intruder");
    RequestParams request = client.TokenParams(code, kRedirectUri, "openid");
    client.SignToken(request, intruder.key_path, intruder.certificate_path);
    RequireTokenError(client.PostToken(request), "invalid_client");
    std::filesystem::remove_all(esia.log_path() + ".intruder");
  }
  SECTION("a signature over another code: invalid_client") {
    RequestParams request = client.TokenParams(code, kRedirectUri, "openid");
    request["code"] = "another-code";
    RequireTokenError(client.PostToken(request), "invalid_client");
  }
  SECTION("a wrong certificate hash: invalid_client") {
    RequestParams request = client.TokenParams(code, kRedirectUri, "openid");
    request["client_certificate_hash"] = std::string(64, 'a');
    RequireTokenError(client.PostToken(request), "invalid_client");
  }
  SECTION("an unknown client_id: invalid_client") {
    RequestParams request = client.TokenParams(code, kRedirectUri, "openid");
    request["client_id"] = "SOMEONE-ELSE";
    client.SignToken(request, esia.client_key_path(), esia.client_certificate_path());
    RequireTokenError(client.PostToken(request), "invalid_client");
  }
  SECTION("a stale timestamp: invalid_request") {
    RequestParams request = client.TokenParams(code, kRedirectUri, "openid");
    request["timestamp"] = FormatEsiaTimestamp(absl::Now() - absl::Minutes(10));
    client.SignToken(request, esia.client_key_path(), esia.client_certificate_path());
    RequireTokenError(client.PostToken(request), "invalid_request");
  }
  SECTION("a state that is not a UUID: invalid_request") {
    RequestParams request = client.TokenParams(code, kRedirectUri, "openid");
    request["state"] = "12345";
    client.SignToken(request, esia.client_key_path(), esia.client_certificate_path());
    RequireTokenError(client.PostToken(request), "invalid_request");
  }
  SECTION("a missing field: invalid_request") {
    RequestParams request = client.TokenParams(code, kRedirectUri, "openid");
    request.erase("grant_type");
    RequireTokenError(client.PostToken(request), "invalid_request");
  }
  // None of the refusals above used the code up.
  CHECK(client.ExchangeCode(code, "openid").at("token_type") == "Bearer");
}

TEST_CASE("An access token reads only its own person", "[esia][integration]") {
  testing::PrivateEsia esia = StartEsia();
  EsiaTestClient client(esia);
  const std::string ivanov = client.AccessTokenFor("ivanov", kAllScopes);

  for (const char* path : {"/rs/prns/1000000002", "/rs/prns/1000000002/ctts?embed=(elements)",
                           "/rs/prns/1000000002/kids?embed=(elements)", "/rs/prns/1000000101"}) {
    const http::Response response = client.GetResource(path, ivanov);
    INFO(path);
    CHECK(response.status == 403);
    CHECK(JsonOf(response).at("error") == "access_denied");
  }
  for (const char* token : {"", "no-such-token"}) {
    const http::Response response = client.GetResource("/rs/prns/1000000001", token);
    CHECK(response.status == 401);
    CHECK(JsonOf(response).at("error") == "invalid_token");
  }
}

TEST_CASE("sidorov's simplified account is untrusted and has no SNILS", "[esia][integration]") {
  testing::PrivateEsia esia = StartEsia();
  EsiaTestClient client(esia);
  const nlohmann::json tokens =
      client.ExchangeCode(client.AuthorizeAs("sidorov", kAllScopes), kAllScopes);
  const std::optional<VerifiedJwt> id_token =
      VerifyJwt(tokens.at("id_token").get<std::string>(), esia.provider_certificate_path());
  REQUIRE(id_token.has_value());
  CHECK(id_token->claims.at("sub") == "1000000003");
  CHECK(id_token->claims.at("urn:esia:sbj").at("urn:esia:sbj_is_tru") == false);
  CHECK(id_token->claims.at("urn:esia:sbj").at("urn:esia:sbj_nm") == "sidorov");

  const std::string access_token = tokens.at("access_token").get<std::string>();
  const nlohmann::json person = JsonOf(client.GetResource("/rs/prns/1000000003", access_token));
  CHECK(person.at("trusted") == false);
  CHECK(person.at("lastName") == "Сидоров");
  CHECK(!person.contains("snils"));
  CHECK(JsonOf(client.GetResource("/rs/prns/1000000003/ctts", access_token)) ==
        nlohmann::json::parse(
            R"({"elements":[{"type":"EML","vrfStu":"VERIFIED","value":"sidorov@example.ru"}]})"));
  CHECK(JsonOf(client.GetResource("/rs/prns/1000000003/kids", access_token)) ==
        nlohmann::json::parse(R"({"elements":[]})"));
}

TEST_CASE("The resources show only what the token's scope allows", "[esia][integration]") {
  testing::PrivateEsia esia = StartEsia();
  EsiaTestClient client(esia);

  SECTION("openid alone: oid and trusted; contacts empty; children refused") {
    const std::string token = client.AccessTokenFor("ivanov", "openid");
    CHECK(JsonOf(client.GetResource("/rs/prns/1000000001", token)) ==
          nlohmann::json{{"oid", 1000000001}, {"trusted", true}});
    CHECK(JsonOf(client.GetResource("/rs/prns/1000000001/ctts", token)) ==
          nlohmann::json::parse(R"({"elements":[]})"));
    const http::Response kids = client.GetResource("/rs/prns/1000000001/kids", token);
    CHECK(kids.status == 403);
    CHECK(JsonOf(kids).at("error") == "access_denied");
  }
  SECTION("kids without kid_fullname are refused even with the other kid scopes") {
    const std::string token =
        client.AccessTokenFor("ivanov", "openid fullname kid_birthdate kid_gender");
    const http::Response kids =
        client.GetResource("/rs/prns/1000000001/kids?embed=(elements)", token);
    CHECK(kids.status == 403);
    CHECK(JsonOf(kids).at("error") == "access_denied");
  }
  SECTION("kid_fullname alone: names without birth dates or genders") {
    const std::string token = client.AccessTokenFor("kuznetsova", "openid kid_fullname mobile");
    CHECK(JsonOf(client.GetResource("/rs/prns/1000000004/kids", token)) ==
          nlohmann::json::parse(R"({"elements":[
            {"oid":1000000103,"firstName":"Артём","lastName":"Кузнецов"}]})"));
    CHECK(JsonOf(client.GetResource("/rs/prns/1000000004/ctts", token)) ==
          nlohmann::json::parse(
              R"({"elements":[{"type":"MBT","vrfStu":"VERIFIED","value":"+7(900)1000004"}]})"));
  }
  SECTION("a person without SNILS has no snils field even with the snils scope") {
    const std::string token = client.AccessTokenFor("kuznetsova", "openid snils birthdate gender");
    CHECK(
        JsonOf(client.GetResource("/rs/prns/1000000004", token)) ==
        nlohmann::json{
            {"oid", 1000000004}, {"birthDate", "20.02.1988"}, {"gender", "F"}, {"trusted", true}});
  }
}

TEST_CASE("The nonce of the authorisation request comes back in the ID token",
          "[esia][integration]") {
  testing::PrivateEsia esia = StartEsia();
  EsiaTestClient client(esia);
  const std::string nonce = NewUuidV7(absl::Now()) + " & <nonce>";
  const nlohmann::json tokens = client.ExchangeCode(
      client.AuthorizeAs("petrova", "openid fullname", nonce), "openid fullname");
  const std::optional<VerifiedJwt> id_token =
      VerifyJwt(tokens.at("id_token").get<std::string>(), esia.provider_certificate_path());
  REQUIRE(id_token.has_value());
  CHECK(id_token->claims.at("nonce") == nonce);
  CHECK(id_token->claims.at("sub") == "1000000002");
  // Another key does not verify it.
  const testing::CertificateFiles other =
      testing::WriteSelfSignedCertificate(esia.log_path() + ".other");
  CHECK(!VerifyJwt(tokens.at("id_token").get<std::string>(), other.certificate_path));
  std::filesystem::remove_all(esia.log_path() + ".other");
}

TEST_CASE("The emulator's log names requests without their secrets", "[esia][integration]") {
  testing::PrivateEsia esia = StartEsia();
  EsiaTestClient client(esia);
  const std::string code = client.AuthorizeAs("ivanov", "openid");
  std::ifstream in(esia.log_path());
  std::stringstream log;
  log << in.rdbuf();
  INFO(log.str());
  CHECK(absl::StrContains(log.str(), "GET /aas/oauth2/v2/ac 200"));
  CHECK(absl::StrContains(log.str(), "POST /aas/oauth2/v2/ac/login 302"));
  CHECK(!absl::StrContains(log.str(), "client_secret"));
  CHECK(!absl::StrContains(log.str(), code));
}

}  // namespace
}  // namespace parta::esia_emulator
