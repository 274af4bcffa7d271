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
#include "libs/core/status.h"
#include "libs/http/client.h"
#include "libs/http/encoding.h"
#include "libs/testing/esia_emulator_server.h"
#include "services/identity/tests/identity_fixture.h"

namespace parta::identity {
namespace {

using parta::testing::PrivateEsia;
using parta::testing::QueryOf;
using testing::IdentityFixture;
using testing::ReasonOf;

constexpr char kClientId[] = "PARTA";
constexpr const char* kRedirect = testing::kEsiaRedirect;
using testing::UseEsia;

// What the provider sent the person back with, and the verifier the starting client kept.
struct Return {
  std::map<std::string, std::string> query;
  std::string verifier;
  std::string& operator[](const std::string& name) { return query[name]; }
};

// The person's browser signs in as `person` at the emulator, and is sent back to Parta.
std::map<std::string, std::string> SignInAtProvider(const PrivateEsia& esia,
                                                    const std::string& authorization_url,
                                                    const std::string& person) {
  const std::string location = esia.SignInAs(authorization_url, person);
  REQUIRE(absl::StartsWith(location, kRedirect));
  return QueryOf(location);
}

::grpc::Status Start(IdentityFixture& f, v1::StartEsiaSignInResponse* started) {
  return f.stub().StartEsiaSignIn(IdentityFixture::Context().get(), v1::StartEsiaSignInRequest(),
                                  started);
}

::grpc::Status Complete(IdentityFixture& f, const Return& back,
                        v1::CompleteEsiaSignInResponse* done) {
  const std::map<std::string, std::string>& query = back.query;
  v1::CompleteEsiaSignInRequest request;
  request.set_verifier(back.verifier);
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
  Return back{SignInAtProvider(esia, started.authorization_url(), person), started.verifier()};
  CHECK(back["state"] == started.state());
  v1::CompleteEsiaSignInResponse done;
  status = Complete(f, back, &done);
  INFO(status.error_message());
  REQUIRE(status.ok());
  return done;
}

// A linking of `person` to the account of `token`, as far as the provider's answer.
Return LinkAtProvider(IdentityFixture& f, const PrivateEsia& esia, const std::string& token,
                      const std::string& person) {
  v1::StartEsiaLinkResponse started;
  ::grpc::Status status =
      f.stub().StartEsiaLink(IdentityFixture::Context(token).get(), {}, &started);
  INFO(status.error_message());
  REQUIRE(status.ok());
  return Return{SignInAtProvider(esia, started.authorization_url(), person), started.verifier()};
}

::grpc::Status CompleteLink(IdentityFixture& f, const std::string& token, const Return& back,
                            v1::CompleteEsiaLinkResponse* done) {
  const std::map<std::string, std::string>& query = back.query;
  v1::CompleteEsiaLinkRequest request;
  request.set_verifier(back.verifier);
  request.set_state(query.count("state") ? query.at("state") : "");
  request.set_code(query.count("code") ? query.at("code") : "");
  return f.stub().CompleteEsiaLink(IdentityFixture::Context(token).get(), request, done);
}

// The access token of a new e-mail account.
std::string EmailAccountToken(IdentityFixture& f, const std::string& email,
                              v1::Account* account = nullptr) {
  REQUIRE(f.Register(email, account).ok());
  v1::TokenPair pair;
  REQUIRE(f.Login(email, &pair).ok());
  return pair.access_token();
}

TEST_CASE(
    "A new person signs in through ESIA, gets a government-verified account, and finds "
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
  CHECK(account.snils_masked() == "***-***-*** 95");

  // The tokens are a session like any other.
  v1::GetMeResponse me;
  REQUIRE(f->stub()
              .GetMe(IdentityFixture::Context(first.tokens().access_token()).get(),
                     v1::GetMeRequest(), &me)
              .ok());
  CHECK(me.account().id() == account.id());
  CHECK(me.account().snils_masked() == "***-***-*** 95");
  // The SNILS is kept sealed and found by its keyed hash: the digits are nowhere in the row.
  pqxx::result row;
  REQUIRE(f->pool()
              .Transact([&](pqxx::work& tx) {
                row = tx.exec_params(
                    "SELECT encode(snils_sealed, 'escape'), snils_hash, snils_masked FROM accounts "
                    "WHERE id = $1",
                    account.id());
                return absl::OkStatus();
              })
              .ok());
  REQUIRE(row.size() == 1);
  CHECK_FALSE(absl::StrContains(row[0][0].as<std::string>(), "11223344595"));
  CHECK(row[0][1].as<std::string>().size() == 64);
  CHECK_FALSE(absl::StrContains(row[0][1].as<std::string>(), "11223344595"));
  // Other services never see it.
  v1::GetAccountRequest get;
  get.set_account_id(account.id());
  v1::GetAccountResponse got;
  REQUIRE(f->stub().GetAccount(IdentityFixture::Context(f->ServiceToken()).get(), get, &got).ok());
  CHECK(got.account().snils_masked().empty());

  const v1::CompleteEsiaSignInResponse second = SignIn(*f, esia, "ivanov");
  CHECK_FALSE(second.created());
  CHECK(second.account().id() == account.id());
  CHECK(second.tokens().session_id() != first.tokens().session_id());

  // Another person is another account.
  const v1::CompleteEsiaSignInResponse other = SignIn(*f, esia, "petrova");
  CHECK(other.created());
  CHECK(other.account().snils_masked() == "***-***-*** 39");
  // A person without a SNILS has none shown.
  CHECK(SignIn(*f, esia, "kuznetsova").account().snils_masked().empty());
  CHECK(other.account().id() != account.id());
}

TEST_CASE(
    "With GOST keys as in production, requests are signed and ID tokens checked in GOST",
    "[identity][api][esia]") {
  PrivateEsia esia(kClientId, {kRedirect}, PrivateEsia::kDefaultIssuer,
                   parta::testing::KeyAlgorithm::kGost);
  auto f = IdentityFixture::Start([&](IdentityConfig& config) { UseEsia(config, esia); });
  if (!f) return;

  v1::StartEsiaSignInResponse started;
  REQUIRE(Start(*f, &started).ok());
  // The hash the provider expects of a GOST certificate is its Streebog-256.
  CHECK(QueryOf(started.authorization_url()).at("client_certificate_hash") ==
        esia.client_certificate_hash());
  // The emulator checks the GOST client_secret of the authorisation request and of the code
  // exchange, and signs its ID token GOST3410_2012_256: the whole sign-in goes through.
  const v1::CompleteEsiaSignInResponse done = SignIn(*f, esia, "ivanov");
  CHECK(done.created());
  CHECK(done.account().verification_level() == v1::VERIFICATION_LEVEL_GOVERNMENT_VERIFIED);
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
  Return back{SignInAtProvider(esia, started.authorization_url(), "petrova"), started.verifier()};
  v1::CompleteEsiaSignInResponse done;
  REQUIRE(Complete(*f, back, &done).ok());
  CHECK_RPC_ERROR(Complete(*f, back, &done), UNAUTHENTICATED, "ESIA_STATE_UNKNOWN");

  CHECK_RPC_ERROR(
      Complete(*f, {{{"state", "0190a5f4-0000-7000-8000-000000000000"}, {"code", "x"}}, "v"},
               &done),
      UNAUTHENTICATED, "ESIA_STATE_UNKNOWN");
  CHECK_RPC_ERROR(Complete(*f, {{{"state", "not a uuid"}, {"code", "x"}}, "v"}, &done),
                  UNAUTHENTICATED, "ESIA_STATE_UNKNOWN");

  // Past its ten minutes, a started sign-in is gone, whatever the provider says.
  REQUIRE(Start(*f, &started).ok());
  back = {SignInAtProvider(esia, started.authorization_url(), "petrova"), started.verifier()};
  f->clock().Advance(f->config().identity.esia_sign_in_ttl + absl::Seconds(1));
  CHECK_RPC_ERROR(Complete(*f, back, &done), UNAUTHENTICATED, "ESIA_STATE_UNKNOWN");

  v1::CompleteEsiaSignInRequest empty;
  empty.set_state(started.state());
  empty.set_verifier(started.verifier());
  CHECK_RPC_ERROR(f->stub().CompleteEsiaSignIn(IdentityFixture::Context().get(), empty, &done),
                  INVALID_ARGUMENT, "CODE_REQUIRED");
}

TEST_CASE(
    "A return without its starter's verifier opens nothing and leaves the sign-in to its "
    "starter",
    "[identity][api][esia]") {
  PrivateEsia esia(kClientId, {kRedirect});
  auto f = IdentityFixture::Start([&](IdentityConfig& config) { UseEsia(config, esia); });
  if (!f) return;
  // The attacker starts a sign-in, signs in at the provider as himself, and plants the return
  // URL on a victim whose client has no (or another) verifier.
  v1::StartEsiaSignInResponse attackers;
  REQUIRE(Start(*f, &attackers).ok());
  Return planted{SignInAtProvider(esia, attackers.authorization_url(), "sidorov"), ""};
  v1::CompleteEsiaSignInResponse done;
  CHECK_RPC_ERROR(Complete(*f, planted, &done), UNAUTHENTICATED, "ESIA_STATE_UNKNOWN");
  v1::StartEsiaSignInResponse victims;
  REQUIRE(Start(*f, &victims).ok());
  planted.verifier = victims.verifier();
  CHECK_RPC_ERROR(Complete(*f, planted, &done), UNAUTHENTICATED, "ESIA_STATE_UNKNOWN");
  // Those tries spent nothing: the starter still finishes it.
  planted.verifier = attackers.verifier();
  REQUIRE(Complete(*f, planted, &done).ok());
  CHECK(done.account().display_name() == "Олег Сидоров");
}

TEST_CASE("ESIA's level comes and goes with the tie, and never takes what Parta gave",
          "[identity][api][esia]") {
  PrivateEsia esia(kClientId, {kRedirect});
  auto f = IdentityFixture::Start([&](IdentityConfig& config) { UseEsia(config, esia); });
  if (!f) return;
  v1::Account teacher;
  const std::string token = EmailAccountToken(*f, "teacher@school.ru", &teacher);
  // The school confirmed her (the directory's internal call).
  v1::RaiseVerificationLevelRequest raise;
  raise.set_account_id(teacher.id());
  raise.set_level(v1::VERIFICATION_LEVEL_SCHOOL_CONFIRMED);
  v1::RaiseVerificationLevelResponse raised;
  REQUIRE(
      f->stub()
          .RaiseVerificationLevel(IdentityFixture::Context(f->ServiceToken()).get(), raise, &raised)
          .ok());
  // A confirmed ESIA person raises her to the government level…
  v1::CompleteEsiaLinkResponse linked;
  REQUIRE(CompleteLink(*f, token, LinkAtProvider(*f, esia, token, "petrova"), &linked).ok());
  CHECK(linked.account().verification_level() == v1::VERIFICATION_LEVEL_GOVERNMENT_VERIFIED);
  // …and untying it gives back the school's confirmation, not nothing.
  v1::UnlinkEsiaResponse unlinked;
  REQUIRE(f->stub().UnlinkEsia(IdentityFixture::Context(token).get(), {}, &unlinked).ok());
  CHECK(unlinked.account().verification_level() == v1::VERIFICATION_LEVEL_SCHOOL_CONFIRMED);
  // A person whose ESIA account is not confirmed adds nothing.
  REQUIRE(CompleteLink(*f, token, LinkAtProvider(*f, esia, token, "sidorov"), &linked).ok());
  CHECK(linked.account().verification_level() == v1::VERIFICATION_LEVEL_SCHOOL_CONFIRMED);
}

TEST_CASE(
    "A refusal at the provider, a replayed code and a request the provider cannot "
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
                           {{{"state", started.state()},
                             {"error", "access_denied"},
                             {"error_description", "the person declined"}},
                            started.verifier()},
                           &done),
                  PERMISSION_DENIED, "ESIA_DENIED");
  CHECK_RPC_ERROR(
      Complete(*f, {{{"state", started.state()}, {"code", "late"}}, started.verifier()}, &done),
      UNAUTHENTICATED, "ESIA_STATE_UNKNOWN");

  // A code is good once: brought back under another sign-in's state, the provider refuses it.
  REQUIRE(Start(*f, &started).ok());
  Return back{SignInAtProvider(esia, started.authorization_url(), "kuznetsova"),
              started.verifier()};
  REQUIRE(Complete(*f, back, &done).ok());
  v1::StartEsiaSignInResponse again;
  REQUIRE(Start(*f, &again).ok());
  back["state"] = again.state();
  back.verifier = again.verifier();
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
  Return back{SignInAtProvider(esia, started.authorization_url(), "ivanov"), started.verifier()};
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
  Return back{SignInAtProvider(esia, started.authorization_url(), "ivanov"), started.verifier()};
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

TEST_CASE("Without ESIA settings, or with the provider down, sign-in says so",
          "[identity][api][esia]") {
  {
    auto f = IdentityFixture::Start();
    if (!f) return;
    v1::StartEsiaSignInResponse started;
    CHECK_RPC_ERROR(Start(*f, &started), FAILED_PRECONDITION, "ESIA_NOT_CONFIGURED");
    v1::CompleteEsiaSignInResponse done;
    CHECK_RPC_ERROR(
        Complete(*f, {{{"state", "0190a5f4-0000-7000-8000-000000000000"}, {"code", "x"}}, "v"},
                 &done),
        FAILED_PRECONDITION, "ESIA_NOT_CONFIGURED");
  }
  auto esia = std::make_unique<PrivateEsia>(kClientId, std::vector<std::string>{kRedirect});
  auto f = IdentityFixture::Start([&](IdentityConfig& config) { UseEsia(config, *esia); });
  if (!f) return;
  v1::StartEsiaSignInResponse started;
  REQUIRE(Start(*f, &started).ok());
  Return back{SignInAtProvider(*esia, started.authorization_url(), "ivanov"), started.verifier()};
  esia.reset();  // the provider goes away between the person's return and the exchange
  v1::CompleteEsiaSignInResponse done;
  CHECK_RPC_ERROR(Complete(*f, back, &done), UNAVAILABLE, "ESIA_UNAVAILABLE");
}

TEST_CASE("A signed-in person links ESIA to his account, signs in with it, and unlinks it",
          "[identity][api][esia]") {
  PrivateEsia esia(kClientId, {kRedirect});
  auto f = IdentityFixture::Start([&](IdentityConfig& config) { UseEsia(config, esia); });
  if (!f) return;
  v1::Account mine;
  const std::string token = EmailAccountToken(*f, "ivanov@школа.рф", &mine);
  REQUIRE(mine.verification_level() == v1::VERIFICATION_LEVEL_NONE);

  v1::CompleteEsiaLinkResponse linked;
  ::grpc::Status status =
      CompleteLink(*f, token, LinkAtProvider(*f, esia, token, "ivanov"), &linked);
  INFO(status.error_message());
  REQUIRE(status.ok());
  CHECK(linked.account().id() == mine.id());
  CHECK(linked.account().esia_linked());
  CHECK(linked.account().verification_level() == v1::VERIFICATION_LEVEL_GOVERNMENT_VERIFIED);
  CHECK(linked.account().email() == mine.email());
  CHECK(linked.account().snils_masked() == "***-***-*** 95");

  // ESIA now opens the same account.
  const v1::CompleteEsiaSignInResponse signed_in = SignIn(*f, esia, "ivanov");
  CHECK_FALSE(signed_in.created());
  CHECK(signed_in.account().id() == mine.id());

  v1::UnlinkEsiaResponse unlinked;
  REQUIRE(f->stub().UnlinkEsia(IdentityFixture::Context(token).get(), {}, &unlinked).ok());
  CHECK_FALSE(unlinked.account().esia_linked());
  CHECK(unlinked.account().verification_level() == v1::VERIFICATION_LEVEL_NONE);
  CHECK(unlinked.account().snils_masked().empty());  // it came with the tie and went with it
  CHECK_RPC_ERROR(f->stub().UnlinkEsia(IdentityFixture::Context(token).get(), {}, &unlinked),
                  FAILED_PRECONDITION, "ESIA_NOT_LINKED");
  // Untied, the person is new to Parta again.
  const v1::CompleteEsiaSignInResponse again = SignIn(*f, esia, "ivanov");
  CHECK(again.created());
  CHECK(again.account().id() != mine.id());
  // An account with no other way in keeps its tie.
  CHECK_RPC_ERROR(f->stub().UnlinkEsia(
                      IdentityFixture::Context(again.tokens().access_token()).get(), {}, &unlinked),
                  FAILED_PRECONDITION, "LAST_SIGN_IN_METHOD");
}

TEST_CASE("A verified parent sees the children ESIA lists for him, sealed at rest, while tied",
          "[identity][api][esia]") {
  PrivateEsia esia(kClientId, {kRedirect});
  auto f = IdentityFixture::Start([&](IdentityConfig& config) { UseEsia(config, esia); });
  if (!f) return;
  const v1::CompleteEsiaSignInResponse ivanov = SignIn(*f, esia, "ivanov");
  const std::string token = ivanov.tokens().access_token();
  v1::ListEsiaChildrenResponse listed;
  REQUIRE(f->stub().ListEsiaChildren(IdentityFixture::Context(token).get(), {}, &listed).ok());
  REQUIRE(listed.children_size() == 2);
  const v1::EsiaChild& maria = listed.children(0);
  CHECK(maria.id() == "1000000101");
  CHECK(maria.last_name() == "Иванова");
  CHECK(maria.first_name() == "Мария");
  CHECK(maria.middle_name() == "Ивановна");
  CHECK(maria.birth_date() == "2014-09-01");
  CHECK(listed.children(1).first_name() == "Пётр");
  CHECK(listed.children(1).birth_date() == "2017-05-15");
  // The names are nowhere in the clear in the database: not a byte sequence of any row.
  auto rows_of = [&](const std::string& account_id) {
    pqxx::result rows;
    REQUIRE(f->pool()
                .Transact([&](pqxx::work& tx) {
                  rows = tx.exec_params(
                      "SELECT position(convert_to('Иванов', 'UTF8') IN sealed) FROM esia_children "
                      "WHERE account_id = $1",
                      account_id);
                  return absl::OkStatus();
                })
                .ok());
    return rows;
  };
  const pqxx::result rows = rows_of(ivanov.account().id());
  REQUIRE(rows.size() == 2);
  for (const pqxx::row& row : rows) CHECK(row[0].as<int>() == 0);

  // The directory reads one child of a verified parent with its service token.
  v1::GetEsiaChildRequest get;
  get.set_account_id(ivanov.account().id());
  get.set_child_id("1000000101");
  v1::GetEsiaChildResponse got;
  REQUIRE(f->stub().GetEsiaChild(IdentityFixture::Context(f->ServiceToken()).get(), get, &got).ok());
  CHECK(got.child().first_name() == "Мария");
  // Not with a person's token, and not another person's child.
  CHECK(f->stub().GetEsiaChild(IdentityFixture::Context(token).get(), get, &got).error_code() ==
        ::grpc::StatusCode::PERMISSION_DENIED);
  get.set_child_id("1000000103");  // Кузнецова's son
  CHECK_RPC_ERROR(
      f->stub().GetEsiaChild(IdentityFixture::Context(f->ServiceToken()).get(), get, &got),
      NOT_FOUND, "ESIA_CHILD_NOT_FOUND");

  // A person ESIA does not vouch for has no children here, and an e-mail account neither.
  const v1::CompleteEsiaSignInResponse sidorov = SignIn(*f, esia, "sidorov");
  CHECK_RPC_ERROR(f->stub().ListEsiaChildren(
                      IdentityFixture::Context(sidorov.tokens().access_token()).get(), {}, &listed),
                  FAILED_PRECONDITION, "NOT_GOVERNMENT_VERIFIED");
  get.set_account_id(sidorov.account().id());
  CHECK_RPC_ERROR(
      f->stub().GetEsiaChild(IdentityFixture::Context(f->ServiceToken()).get(), get, &got),
      FAILED_PRECONDITION, "NOT_GOVERNMENT_VERIFIED");
  const std::string email_token = EmailAccountToken(*f, "parent@школа.рф");
  CHECK_RPC_ERROR(
      f->stub().ListEsiaChildren(IdentityFixture::Context(email_token).get(), {}, &listed),
      FAILED_PRECONDITION, "NOT_GOVERNMENT_VERIFIED");

  // Linked and then untied: the children go with the tie.
  v1::CompleteEsiaLinkResponse linked;
  REQUIRE(
      CompleteLink(*f, email_token, LinkAtProvider(*f, esia, email_token, "kuznetsova"), &linked)
          .ok());
  REQUIRE(f->stub().ListEsiaChildren(IdentityFixture::Context(email_token).get(), {}, &listed).ok());
  REQUIRE(listed.children_size() == 1);
  CHECK(listed.children(0).first_name() == "Артём");
  CHECK(listed.children(0).middle_name().empty());
  CHECK(rows_of(linked.account().id()).size() == 1);
  v1::UnlinkEsiaResponse unlinked;
  REQUIRE(f->stub().UnlinkEsia(IdentityFixture::Context(email_token).get(), {}, &unlinked).ok());
  CHECK_RPC_ERROR(
      f->stub().ListEsiaChildren(IdentityFixture::Context(email_token).get(), {}, &listed),
      FAILED_PRECONDITION, "NOT_GOVERNMENT_VERIFIED");
  CHECK(rows_of(linked.account().id()).empty());  // gone, not just hidden
}

TEST_CASE("A link is finished only by whoever started it, and never ties a person twice",
          "[identity][api][esia]") {
  PrivateEsia esia(kClientId, {kRedirect});
  auto f = IdentityFixture::Start([&](IdentityConfig& config) { UseEsia(config, esia); });
  if (!f) return;
  v1::Account alice_account;
  const std::string alice = EmailAccountToken(*f, "alice@school.ru", &alice_account);
  const std::string bob = EmailAccountToken(*f, "bob@school.ru");
  v1::CompleteEsiaLinkResponse linked;
  v1::CompleteEsiaSignInResponse signed_in;

  // Alice's link, brought back by Bob or as a sign-in, is refused and left to her.
  Return back = LinkAtProvider(*f, esia, alice, "ivanov");
  CHECK_RPC_ERROR(CompleteLink(*f, bob, back, &linked), UNAUTHENTICATED, "ESIA_STATE_UNKNOWN");
  CHECK_RPC_ERROR(Complete(*f, back, &signed_in), UNAUTHENTICATED, "ESIA_STATE_UNKNOWN");
  // And a sign-in's return cannot finish a link.
  v1::StartEsiaSignInResponse started;
  REQUIRE(Start(*f, &started).ok());
  Return sign_in{SignInAtProvider(esia, started.authorization_url(), "ivanov"), started.verifier()};
  CHECK_RPC_ERROR(CompleteLink(*f, alice, sign_in, &linked), UNAUTHENTICATED, "ESIA_STATE_UNKNOWN");
  REQUIRE(CompleteLink(*f, alice, back, &linked).ok());
  CHECK(linked.account().id() == alice_account.id());

  // A person tied to another account stays there.
  const v1::CompleteEsiaSignInResponse petrova = SignIn(*f, esia, "petrova");
  CHECK(petrova.created());
  CHECK_RPC_ERROR(CompleteLink(*f, bob, LinkAtProvider(*f, esia, bob, "petrova"), &linked),
                  ALREADY_EXISTS, "ESIA_ALREADY_LINKED");
  CHECK_RPC_ERROR(CompleteLink(*f, bob, LinkAtProvider(*f, esia, bob, "ivanov"), &linked),
                  ALREADY_EXISTS, "ESIA_ALREADY_LINKED");
  // An account tied to one person is not tied to a second.
  CHECK_RPC_ERROR(CompleteLink(*f, alice, LinkAtProvider(*f, esia, alice, "kuznetsova"), &linked),
                  FAILED_PRECONDITION, "ACCOUNT_ALREADY_LINKED");
  CHECK(SignIn(*f, esia, "ivanov").account().id() == alice_account.id());
  CHECK(SignIn(*f, esia, "kuznetsova").created());  // nobody took her

  // Linking needs a signed-in caller.
  v1::StartEsiaLinkResponse refused;
  CHECK_RPC_ERROR(f->stub().StartEsiaLink(IdentityFixture::Context().get(), {}, &refused),
                  UNAUTHENTICATED, "TOKEN_REQUIRED");
}

TEST_CASE("A provider elsewhere needs https unless the deployment allows plain http",
          "[identity][esia]") {
  PrivateEsia esia(kClientId, {kRedirect});
  esia::EsiaSettings settings{.base_url = "http://127.example.org:" + std::to_string(esia.port()),
                              .client_id = kClientId,
                              .redirect_uri = kRedirect,
                              .issuer = esia.issuer(),
                              .key_file = esia.client_key_path(),
                              .certificate_file = esia.client_certificate_path(),
                              .provider_certificate_file = esia.provider_certificate_path()};
  CHECK(::parta::ReasonOf(esia::EsiaClient::Open(settings).status()) == "ESIA_BAD_URL");
  settings.allow_plain_http = true;
  CHECK(esia::EsiaClient::Open(settings).ok());
  settings.allow_plain_http = false;
  settings.base_url = esia.base_url();  // 127.0.0.1
  CHECK(esia::EsiaClient::Open(settings).ok());
  // CAs to trust make sense over https only.
  settings.ca_file = esia.provider_certificate_path();
  CHECK(::parta::ReasonOf(esia::EsiaClient::Open(settings).status()) == "ESIA_BAD_URL");

  // The real provider: https with the system's trust store, or with the CAs of a file.
  settings.base_url = "https://esia.gosuslugi.ru";
  settings.ca_file = "";
  CHECK(esia::EsiaClient::Open(settings).ok());
  settings.ca_file = esia.provider_certificate_path();  // a PEM certificate as the one CA
  CHECK(esia::EsiaClient::Open(settings).ok());
  settings.ca_file = esia.provider_certificate_path() + ".missing";
  CHECK(::parta::ReasonOf(esia::EsiaClient::Open(settings).status()) == "ESIA_BAD_CA_FILE");

  // Requests go over TLS: the emulator, which speaks plain HTTP, fails the handshake.
  settings.base_url = "https://127.0.0.1:" + std::to_string(esia.port());
  settings.ca_file = "";
  auto client = esia::EsiaClient::Open(settings);
  REQUIRE(client.ok());
  const absl::Status refused = (*client)->Complete("code", "nonce").status();
  INFO(refused.ToString());
  CHECK(refused.code() == absl::StatusCode::kUnavailable);
  CHECK(::parta::ReasonOf(refused) == "ESIA_TLS");
}

}  // namespace
}  // namespace parta::identity
