// Sign-in through ESIA against the ESIA emulator (tools/esia-emulator), a real provider process:
// the test plays the person's browser — it opens the authorisation address identity gave,
// chooses a test person on the emulator's page, and hands the redirect's query back.
#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/http/client.h"
#include "libs/http/encoding.h"
#include "libs/testing/esia_emulator_server.h"
#include "services/identity/tests/identity_fixture.h"

namespace parta::identity {
namespace {

using parta::testing::PrivateEsia;
using testing::IdentityFixture;
using testing::ReasonOf;

#define CHECK_RPC_ERROR(status, expected_code, expected_reason)           \
  do {                                                                    \
    const ::grpc::Status& rpc_status_ = (status);                         \
    INFO(rpc_status_.error_message());                                    \
    CHECK(rpc_status_.error_code() == ::grpc::StatusCode::expected_code); \
    CHECK(ReasonOf(rpc_status_) == (expected_reason));                    \
  } while (false)

constexpr char kClientId[] = "PARTA";
constexpr char kRedirect[] = "http://127.0.0.1:8080/esia/return";

void UseEsia(IdentityConfig& config, const PrivateEsia& esia) {
  config.esia = esia::EsiaSettings{.base_url = esia.base_url(),
                                   .client_id = esia.client_id(),
                                   .redirect_uri = kRedirect,
                                   .issuer = esia.issuer(),
                                   .key_file = esia.client_key_path(),
                                   .certificate_file = esia.client_certificate_path(),
                                   .provider_certificate_file = esia.provider_certificate_path()};
}

std::string PercentDecode(absl::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      out.push_back(static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(text[i] == '+' ? ' ' : text[i]);
    }
  }
  return out;
}

// The query of a URL as a map.
std::map<std::string, std::string> QueryOf(absl::string_view url) {
  std::map<std::string, std::string> query;
  const size_t mark = url.find('?');
  if (mark == absl::string_view::npos) return query;
  for (absl::string_view pair : absl::StrSplit(url.substr(mark + 1), '&', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(pair, absl::MaxSplits('=', 1));
    query[PercentDecode(kv.first)] = PercentDecode(kv.second);
  }
  return query;
}

// The person's browser: opens `authorization_url` at the emulator, chooses `person` on its page
// and answers the query of the address the emulator sends him back to.
std::map<std::string, std::string> SignInAtProvider(const PrivateEsia& esia,
                                                    const std::string& authorization_url,
                                                    const std::string& person) {
  REQUIRE(absl::StartsWith(authorization_url, esia.base_url()));
  http::Client browser("127.0.0.1", esia.port());
  auto page = browser.Get(authorization_url.substr(esia.base_url().size()), absl::Seconds(10));
  REQUIRE(page.ok());
  if (page->status == 302) return QueryOf(page->Header("Location"));  // refused at once
  INFO(page->body);
  REQUIRE(page->status == 200);
  const std::string marker = "name=\"request\" value=\"";
  const size_t at = page->body.find(marker);
  REQUIRE(at != std::string::npos);
  const size_t start = at + marker.size();
  const std::string request = page->body.substr(start, page->body.find('"', start) - start);
  auto chosen = browser.Send(
      {.method = "POST",
       .target = "/aas/oauth2/v2/ac/login",
       .headers = {{"Content-Type", "application/x-www-form-urlencoded"}},
       .body = http::FormEncode({{"request", request}, {"person", person}})},
      absl::Seconds(10));
  REQUIRE(chosen.ok());
  REQUIRE(chosen->status == 302);
  const std::string location = chosen->Header("Location");
  REQUIRE(absl::StartsWith(location, kRedirect));
  return QueryOf(location);
}

::grpc::Status Start(IdentityFixture& f, v1::StartEsiaSignInResponse* started) {
  return f.stub().StartEsiaSignIn(IdentityFixture::Context().get(), v1::StartEsiaSignInRequest(),
                                  started);
}

::grpc::Status Complete(IdentityFixture& f, const std::map<std::string, std::string>& query,
                        v1::CompleteEsiaSignInResponse* done) {
  v1::CompleteEsiaSignInRequest request;
  auto field = [&](const char* name) {
    auto it = query.find(name);
    return it == query.end() ? std::string() : it->second;
  };
  request.set_state(field("state"));
  request.set_code(field("code"));
  request.set_error(field("error"));
  request.set_error_description(field("error_description"));
  request.set_device("Chromium, Linux");
  return f.stub().CompleteEsiaSignIn(IdentityFixture::Context().get(), request, done);
}

// A whole sign-in of `person`; fails the test on an error.
v1::CompleteEsiaSignInResponse SignIn(IdentityFixture& f, const PrivateEsia& esia,
                                      const std::string& person) {
  v1::StartEsiaSignInResponse started;
  ::grpc::Status status = Start(f, &started);
  INFO(status.error_message());
  REQUIRE(status.ok());
  std::map<std::string, std::string> back = SignInAtProvider(esia, started.authorization_url(), person);
  CHECK(back["state"] == started.state());
  v1::CompleteEsiaSignInResponse done;
  status = Complete(f, back, &done);
  INFO(status.error_message());
  REQUIRE(status.ok());
  return done;
}

TEST_CASE("A new person signs in through ESIA, gets a government-verified account, and finds "
          "it again next time",
          "[identity][api][esia]") {
  PrivateEsia esia(kClientId, {kRedirect});
  auto f = IdentityFixture::Start([&](IdentityConfig& config) { UseEsia(config, esia); });
  if (!f) return;

  v1::StartEsiaSignInResponse started;
  REQUIRE(Start(*f, &started).ok());
  const auto url = QueryOf(started.authorization_url());
  CHECK(absl::StrContains(started.authorization_url(), "/aas/oauth2/v2/ac?"));
  CHECK(url.at("client_id") == kClientId);
  CHECK(url.at("redirect_uri") == kRedirect);
  CHECK(url.at("response_type") == "code");
  CHECK(url.at("state") == started.state());
  CHECK(absl::StrContains(url.at("scope"), "openid"));
  CHECK(url.at("client_certificate_hash") == esia.client_certificate_hash());
  CHECK_FALSE(url.at("client_secret").empty());
  CHECK_FALSE(url.at("nonce").empty());

  const v1::CompleteEsiaSignInResponse first = SignIn(*f, esia, "ivanov");
  CHECK(first.created());
  const v1::Account& account = first.account();
  CHECK(account.verification_level() == v1::VERIFICATION_LEVEL_GOVERNMENT_VERIFIED);
  CHECK(account.esia_linked());
  CHECK(account.display_name() == "Иван Иванов");
  CHECK(account.email().empty());  // the provider's e-mail is not a login here

  // The tokens are a session like any other.
  v1::GetMeResponse me;
  REQUIRE(f->stub().GetMe(IdentityFixture::Context(first.tokens().access_token()).get(),
                          v1::GetMeRequest(), &me).ok());
  CHECK(me.account().id() == account.id());

  const v1::CompleteEsiaSignInResponse second = SignIn(*f, esia, "ivanov");
  CHECK_FALSE(second.created());
  CHECK(second.account().id() == account.id());
  CHECK(second.tokens().session_id() != first.tokens().session_id());

  // Another person is another account.
  const v1::CompleteEsiaSignInResponse other = SignIn(*f, esia, "petrova");
  CHECK(other.created());
  CHECK(other.account().id() != account.id());
}

TEST_CASE("A person whose ESIA account is not confirmed signs in without the government level",
          "[identity][api][esia]") {
  PrivateEsia esia(kClientId, {kRedirect});
  auto f = IdentityFixture::Start([&](IdentityConfig& config) { UseEsia(config, esia); });
  if (!f) return;
  const v1::CompleteEsiaSignInResponse done = SignIn(*f, esia, "sidorov");
  CHECK(done.created());
  CHECK(done.account().verification_level() == v1::VERIFICATION_LEVEL_NONE);
  CHECK(done.account().esia_linked());
}

TEST_CASE("A sign-in's state is spent once, and unknown or expired states are refused",
          "[identity][api][esia]") {
  PrivateEsia esia(kClientId, {kRedirect});
  auto f = IdentityFixture::Start([&](IdentityConfig& config) { UseEsia(config, esia); });
  if (!f) return;
  v1::StartEsiaSignInResponse started;
  REQUIRE(Start(*f, &started).ok());
  auto back = SignInAtProvider(esia, started.authorization_url(), "petrova");
  v1::CompleteEsiaSignInResponse done;
  REQUIRE(Complete(*f, back, &done).ok());
  CHECK_RPC_ERROR(Complete(*f, back, &done), UNAUTHENTICATED, "ESIA_STATE_UNKNOWN");

  CHECK_RPC_ERROR(Complete(*f, {{"state", "0190a5f4-0000-7000-8000-000000000000"}, {"code", "x"}},
                           &done),
                  UNAUTHENTICATED, "ESIA_STATE_UNKNOWN");
  CHECK_RPC_ERROR(Complete(*f, {{"state", "not a uuid"}, {"code", "x"}}, &done), UNAUTHENTICATED,
                  "ESIA_STATE_UNKNOWN");

  // Past its ten minutes, a started sign-in is gone, whatever the provider says.
  REQUIRE(Start(*f, &started).ok());
  back = SignInAtProvider(esia, started.authorization_url(), "petrova");
  f->clock().Advance(f->config().identity.esia_sign_in_ttl + absl::Seconds(1));
  CHECK_RPC_ERROR(Complete(*f, back, &done), UNAUTHENTICATED, "ESIA_STATE_UNKNOWN");

  v1::CompleteEsiaSignInRequest empty;
  empty.set_state(started.state());
  CHECK_RPC_ERROR(f->stub().CompleteEsiaSignIn(IdentityFixture::Context().get(), empty, &done),
                  INVALID_ARGUMENT, "CODE_REQUIRED");
}

TEST_CASE("A refusal at the provider, a replayed code and a request the provider cannot "
          "verify end in clear errors and no account",
          "[identity][api][esia]") {
  PrivateEsia esia(kClientId, {kRedirect});
  auto f = IdentityFixture::Start([&](IdentityConfig& config) { UseEsia(config, esia); });
  if (!f) return;
  v1::CompleteEsiaSignInResponse done;

  // The person declined at the provider.
  v1::StartEsiaSignInResponse started;
  REQUIRE(Start(*f, &started).ok());
  CHECK_RPC_ERROR(Complete(*f,
                           {{"state", started.state()},
                            {"error", "access_denied"},
                            {"error_description", "the person declined"}},
                           &done),
                  PERMISSION_DENIED, "ESIA_DENIED");
  CHECK_RPC_ERROR(Complete(*f, {{"state", started.state()}, {"code", "late"}}, &done),
                  UNAUTHENTICATED, "ESIA_STATE_UNKNOWN");

  // A code is good once: brought back under another sign-in's state, the provider refuses it.
  REQUIRE(Start(*f, &started).ok());
  auto back = SignInAtProvider(esia, started.authorization_url(), "kuznetsova");
  REQUIRE(Complete(*f, back, &done).ok());
  v1::StartEsiaSignInResponse again;
  REQUIRE(Start(*f, &again).ok());
  back["state"] = again.state();
  CHECK_RPC_ERROR(Complete(*f, back, &done), UNAUTHENTICATED, "ESIA_CODE_REJECTED");
}

TEST_CASE("Requests signed with a key the provider does not know are refused by it",
          "[identity][api][esia]") {
  PrivateEsia esia(kClientId, {kRedirect});
  PrivateEsia stranger(kClientId, {kRedirect});  // another key pair for the same client id
  auto f = IdentityFixture::Start([&](IdentityConfig& config) {
    UseEsia(config, esia);
    config.esia->key_file = stranger.client_key_path();
    config.esia->certificate_file = stranger.client_certificate_path();
  });
  if (!f) return;
  v1::StartEsiaSignInResponse started;
  REQUIRE(Start(*f, &started).ok());
  auto back = SignInAtProvider(esia, started.authorization_url(), "ivanov");
  CHECK(back["error"] == "unauthorized_client");
  v1::CompleteEsiaSignInResponse done;
  CHECK_RPC_ERROR(Complete(*f, back, &done), PERMISSION_DENIED, "ESIA_DENIED");
}

TEST_CASE("An ID token signed by another key is not believed, and no account is made",
          "[identity][api][esia]") {
  PrivateEsia esia(kClientId, {kRedirect});
  PrivateEsia impostor(kClientId, {kRedirect});
  auto f = IdentityFixture::Start([&](IdentityConfig& config) {
    UseEsia(config, esia);
    config.esia->provider_certificate_file = impostor.provider_certificate_path();
  });
  if (!f) return;
  v1::StartEsiaSignInResponse started;
  REQUIRE(Start(*f, &started).ok());
  auto back = SignInAtProvider(esia, started.authorization_url(), "ivanov");
  v1::CompleteEsiaSignInResponse done;
  CHECK_RPC_ERROR(Complete(*f, back, &done), UNAVAILABLE, "ESIA_BAD_RESPONSE");
  pqxx::result accounts;
  REQUIRE(f->pool()
              .Transact([&](pqxx::work& tx) {
                accounts = tx.exec("SELECT 1 FROM accounts WHERE esia_oid IS NOT NULL");
                return absl::OkStatus();
              })
              .ok());
  CHECK(accounts.empty());
}

TEST_CASE("Without ESIA settings, or with the provider down, sign-in says so", "[identity][api][esia]") {
  {
    auto f = IdentityFixture::Start();
    if (!f) return;
    v1::StartEsiaSignInResponse started;
    CHECK_RPC_ERROR(Start(*f, &started), FAILED_PRECONDITION, "ESIA_NOT_CONFIGURED");
    v1::CompleteEsiaSignInResponse done;
    CHECK_RPC_ERROR(Complete(*f, {{"state", "0190a5f4-0000-7000-8000-000000000000"}, {"code", "x"}},
                             &done),
                    FAILED_PRECONDITION, "ESIA_NOT_CONFIGURED");
  }
  auto esia = std::make_unique<PrivateEsia>(kClientId, std::vector<std::string>{kRedirect});
  auto f = IdentityFixture::Start([&](IdentityConfig& config) { UseEsia(config, *esia); });
  if (!f) return;
  v1::StartEsiaSignInResponse started;
  REQUIRE(Start(*f, &started).ok());
  auto back = SignInAtProvider(*esia, started.authorization_url(), "ivanov");
  esia.reset();  // the provider goes away between the person's return and the exchange
  v1::CompleteEsiaSignInResponse done;
  CHECK_RPC_ERROR(Complete(*f, back, &done), UNAVAILABLE, "ESIA_UNAVAILABLE");
}

}  // namespace
}  // namespace parta::identity
