#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <tuple>

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/auth/certificate.h"
#include "libs/core/random.h"
#include "libs/testing/certificates.h"
#include "libs/auth/token.h"
#include "libs/auth/token_verifier.h"
#include "libs/grpc/client.h"
#include "libs/identity_client/key_source.h"
#include "services/identity/tests/identity_fixture.h"

namespace parta::identity {
namespace {

using testing::IdentityFixture;
using testing::kPassword;
using testing::ReasonOf;

// The access token of a new platform operator with login `email`.
std::string OperatorToken(IdentityFixture& f, const std::string& email) {
  v1::Account account;
  REQUIRE(f.Register(email, &account).ok());
  REQUIRE(f.pool()
              .Transact([&](pqxx::work& tx) {
                tx.exec_params("UPDATE accounts SET is_operator = true WHERE id = $1",
                               account.id());
                return absl::OkStatus();
              })
              .ok());
  v1::TokenPair pair;
  REQUIRE(f.Login(email, &pair).ok());
  return pair.access_token();
}

TEST_CASE("Register, Login and GetMe return the person's own account", "[identity][api]") {
  PARTA_IDENTITY_FIXTURE(f);
  v1::Account registered;
  REQUIRE(f->Register("Anna.Petrovna@School.ru", &registered).ok());
  CHECK(registered.email() == "anna.petrovna@school.ru");
  CHECK(registered.display_name() == "Анна Петровна");
  CHECK(registered.state() == v1::ACCOUNT_STATE_ACTIVE);
  CHECK(registered.verification_level() == v1::VERIFICATION_LEVEL_NONE);
  CHECK_FALSE(registered.operator_());

  v1::TokenPair pair;
  REQUIRE(f->Login("ANNA.PETROVNA@school.ru", &pair).ok());
  CHECK_FALSE(pair.access_token().empty());
  CHECK(pair.refresh_token().size() == 43);
  CHECK(pair.access_token_expire_time().seconds() > absl::ToUnixSeconds(f->clock().Now()));

  v1::GetMeResponse me;
  REQUIRE(f->stub().GetMe(IdentityFixture::Context(pair.access_token()).get(), {}, &me).ok());
  CHECK(me.account().id() == registered.id());
  CHECK(me.account().email() == "anna.petrovna@school.ru");
}

TEST_CASE("Register with a phone number stores it in E.164 and logs in by any spelling",
          "[identity][api]") {
  PARTA_IDENTITY_FIXTURE(f);
  v1::RegisterRequest request;
  request.set_phone("8 (916) 123-45-67");
  request.set_password(kPassword);
  request.set_display_name("Иван");
  v1::RegisterResponse response;
  REQUIRE(f->stub().Register(IdentityFixture::Context().get(), request, &response).ok());
  CHECK(response.account().phone() == "+79161234567");
  v1::TokenPair pair;
  CHECK(f->Login("+7 916 123 45 67", &pair).ok());
}

TEST_CASE("Register refuses bad input with a stable reason and writes nothing", "[identity][api]") {
  PARTA_IDENTITY_FIXTURE(f);
  auto attempt = [&](const std::string& email, const std::string& phone,
                     const std::string& password, const std::string& name) {
    v1::RegisterRequest request;
    request.set_email(email);
    request.set_phone(phone);
    request.set_password(password);
    request.set_display_name(name);
    v1::RegisterResponse response;
    return f->stub().Register(IdentityFixture::Context().get(), request, &response);
  };
  CHECK_RPC_ERROR(attempt("not-an-email", "", kPassword, "Анна"), INVALID_ARGUMENT,
                  "INVALID_EMAIL");
  CHECK_RPC_ERROR(attempt("", "12345", kPassword, "Анна"), INVALID_ARGUMENT, "INVALID_PHONE");
  CHECK_RPC_ERROR(attempt("", "", kPassword, "Анна"), INVALID_ARGUMENT, "LOGIN_REQUIRED");
  CHECK_RPC_ERROR(attempt("a@school.ru", "+79161234567", kPassword, "Анна"), INVALID_ARGUMENT,
                  "LOGIN_REQUIRED");
  CHECK_RPC_ERROR(attempt("a@school.ru", "", "password1234", "Анна"), INVALID_ARGUMENT,
                  "WEAK_PASSWORD");
  CHECK_RPC_ERROR(attempt("a@school.ru", "", "short", "Анна"), INVALID_ARGUMENT,
                  "PASSWORD_TOO_SHORT");
  CHECK_RPC_ERROR(attempt("a@school.ru", "", std::string(129, 'z'), "Анна"), INVALID_ARGUMENT,
                  "PASSWORD_TOO_LONG");
  CHECK_RPC_ERROR(attempt("a@school.ru", "", kPassword, ""), INVALID_ARGUMENT,
                  "INVALID_DISPLAY_NAME");
  v1::TokenPair pair;
  CHECK_RPC_ERROR(f->Login("a@school.ru", &pair), UNAUTHENTICATED, "INVALID_CREDENTIALS");
}

TEST_CASE("A second account with the same login is ALREADY_EXISTS, whatever its case",
          "[identity][api]") {
  PARTA_IDENTITY_FIXTURE(f);
  REQUIRE(f->Register("teacher@school.ru").ok());
  CHECK_RPC_ERROR(f->Register("Teacher@SCHOOL.ru"), ALREADY_EXISTS, "ACCOUNT_EXISTS");
}

TEST_CASE("An unknown login and a wrong password give the same error", "[identity][api]") {
  PARTA_IDENTITY_FIXTURE(f);
  REQUIRE(f->Register("teacher@school.ru").ok());
  v1::TokenPair pair;
  ::grpc::Status wrong = f->Login("teacher@school.ru", &pair, "Wrong password entirely 42");
  ::grpc::Status unknown = f->Login("nobody@school.ru", &pair);
  ::grpc::Status garbage = f->Login("not a login", &pair);
  CHECK_RPC_ERROR(wrong, UNAUTHENTICATED, "INVALID_CREDENTIALS");
  CHECK_RPC_ERROR(unknown, UNAUTHENTICATED, "INVALID_CREDENTIALS");
  CHECK_RPC_ERROR(garbage, UNAUTHENTICATED, "INVALID_CREDENTIALS");
  CHECK(wrong.error_message() == unknown.error_message());
  CHECK_RPC_ERROR(f->Login("", &pair), INVALID_ARGUMENT, "LOGIN_REQUIRED");
  CHECK_RPC_ERROR(f->Login("teacher@school.ru", &pair, ""), INVALID_ARGUMENT, "PASSWORD_REQUIRED");
  v1::LoginRequest long_device;
  long_device.set_login("teacher@school.ru");
  long_device.set_password(kPassword);
  long_device.set_device(std::string(201, 'd'));
  v1::LoginResponse long_device_response;
  CHECK_RPC_ERROR(
      f->stub().Login(IdentityFixture::Context().get(), long_device, &long_device_response),
      INVALID_ARGUMENT, "INVALID_DEVICE");
}

TEST_CASE("GetMe refuses missing, malformed, tampered and foreign tokens", "[identity][api]") {
  PARTA_IDENTITY_FIXTURE(f);
  REQUIRE(f->Register("teacher@school.ru").ok());
  v1::TokenPair pair;
  REQUIRE(f->Login("teacher@school.ru", &pair).ok());
  v1::GetMeResponse me;
  CHECK_RPC_ERROR(f->stub().GetMe(IdentityFixture::Context().get(), {}, &me), UNAUTHENTICATED,
                  "TOKEN_REQUIRED");
  CHECK_RPC_ERROR(f->stub().GetMe(IdentityFixture::Context("garbage").get(), {}, &me),
                  UNAUTHENTICATED, "MALFORMED_TOKEN");

  std::vector<std::string> parts = absl::StrSplit(pair.access_token(), '.');
  std::string tampered = parts[0] + "." + parts[1] + "." + std::string(86, 'A');
  CHECK_RPC_ERROR(f->stub().GetMe(IdentityFixture::Context(tampered).get(), {}, &me),
                  UNAUTHENTICATED, "BAD_SIGNATURE");

  // A token of another issuer's key with the same claims.
  auth::Ed25519PrivateKey foreign = auth::Ed25519PrivateKey::Generate();
  auth::Claims claims{.issuer = "parta-identity",
                      .audience = "parta",
                      .subject = me.account().id(),
                      .session_id = pair.session_id(),
                      .token_id = "x",
                      .issued_at = f->clock().Now(),
                      .not_before = f->clock().Now(),
                      .expires_at = f->clock().Now() + absl::Minutes(5)};
  CHECK_RPC_ERROR(
      f->stub().GetMe(IdentityFixture::Context(auth::SignToken(foreign, "foreign", claims)).get(),
                      {}, &me),
      UNAUTHENTICATED, "UNKNOWN_KEY");

  f->clock().Advance(absl::Minutes(16));
  CHECK_RPC_ERROR(f->stub().GetMe(IdentityFixture::Context(pair.access_token()).get(), {}, &me),
                  UNAUTHENTICATED, "TOKEN_EXPIRED");
}

TEST_CASE("Refresh rotates the pair and refuses what is not a live refresh token",
          "[identity][api]") {
  PARTA_IDENTITY_FIXTURE(f);
  REQUIRE(f->Register("teacher@school.ru").ok());
  v1::TokenPair first;
  REQUIRE(f->Login("teacher@school.ru", &first).ok());
  f->clock().Advance(absl::Minutes(1));

  v1::RefreshRequest request;
  request.set_refresh_token(first.refresh_token());
  v1::RefreshResponse refreshed;
  REQUIRE(f->stub().Refresh(IdentityFixture::Context().get(), request, &refreshed).ok());
  const v1::TokenPair second = refreshed.tokens();
  CHECK(second.refresh_token() != first.refresh_token());
  CHECK(second.access_token() != first.access_token());
  CHECK(second.session_id() == first.session_id());
  v1::GetMeResponse me;
  CHECK(f->stub().GetMe(IdentityFixture::Context(second.access_token()).get(), {}, &me).ok());

  request.set_refresh_token("");
  CHECK_RPC_ERROR(f->stub().Refresh(IdentityFixture::Context().get(), request, &refreshed),
                  INVALID_ARGUMENT, "REFRESH_TOKEN_REQUIRED");
  request.set_refresh_token("made-up");
  CHECK_RPC_ERROR(f->stub().Refresh(IdentityFixture::Context().get(), request, &refreshed),
                  UNAUTHENTICATED, "INVALID_REFRESH_TOKEN");
}

TEST_CASE("Logout ends the session for its access and refresh tokens", "[identity][api]") {
  PARTA_IDENTITY_FIXTURE(f);
  REQUIRE(f->Register("teacher@school.ru").ok());
  v1::TokenPair pair, other;
  REQUIRE(f->Login("teacher@school.ru", &pair).ok());
  REQUIRE(f->Login("teacher@school.ru", &other).ok());
  v1::LogoutResponse out;
  REQUIRE(f->stub().Logout(IdentityFixture::Context(pair.access_token()).get(), {}, &out).ok());

  v1::GetMeResponse me;
  CHECK_RPC_ERROR(f->stub().GetMe(IdentityFixture::Context(pair.access_token()).get(), {}, &me),
                  UNAUTHENTICATED, "SESSION_REVOKED");
  v1::RefreshRequest request;
  request.set_refresh_token(pair.refresh_token());
  v1::RefreshResponse renewed;
  CHECK_RPC_ERROR(f->stub().Refresh(IdentityFixture::Context().get(), request, &renewed),
                  UNAUTHENTICATED, "SESSION_REVOKED");
  // The person's other session is untouched.
  CHECK(f->stub().GetMe(IdentityFixture::Context(other.access_token()).get(), {}, &me).ok());
}

TEST_CASE("GetSigningKeys publishes the key that verifies issued tokens", "[identity][api]") {
  PARTA_IDENTITY_FIXTURE(f);
  REQUIRE(f->Register("teacher@school.ru").ok());
  v1::TokenPair pair;
  REQUIRE(f->Login("teacher@school.ru", &pair).ok());
  v1::GetSigningKeysResponse keys;
  REQUIRE(f->stub().GetSigningKeys(IdentityFixture::Context().get(), {}, &keys).ok());
  absl::StatusOr<auth::KeySet> set = auth::KeySetFromJwks(keys.jwks_json());
  REQUIRE(set.ok());
  CHECK(set->size() == 1);
  absl::StatusOr<auth::Claims> claims =
      auth::VerifyToken(pair.access_token(), *set,
                        {.issuer = "parta-identity", .audience = "parta"}, f->clock().Now());
  REQUIRE(claims.ok());
  CHECK(claims->session_id == pair.session_id());
  CHECK(keys.jwks_json().find("\"d\"") == std::string::npos);  // no private part
  // How long the set may be cached, as a Duration of whole seconds.
  CHECK(keys.max_age().seconds() == 300);
  CHECK(keys.max_age().nanos() == 0);
}

TEST_CASE("Every response carries a request id, the caller's own when given", "[identity][api]") {
  PARTA_IDENTITY_FIXTURE(f);
  auto context = IdentityFixture::Context();
  context->AddMetadata("x-request-id", "req-42");
  v1::GetSigningKeysResponse keys;
  REQUIRE(f->stub().GetSigningKeys(context.get(), {}, &keys).ok());
  auto metadata = context->GetServerInitialMetadata();
  auto it = metadata.find("x-request-id");
  REQUIRE(it != metadata.end());
  CHECK(std::string(it->second.data(), it->second.size()) == "req-42");
}

TEST_CASE("UpdateProfile changes the display name named in the mask only", "[identity][api]") {
  PARTA_IDENTITY_FIXTURE(f);
  REQUIRE(f->Register("teacher@school.ru").ok());
  v1::TokenPair pair;
  REQUIRE(f->Login("teacher@school.ru", &pair).ok());
  v1::UpdateProfileRequest request;
  request.set_display_name("  Мария Ивановна Соколова ");
  request.mutable_update_mask()->add_paths("display_name");
  v1::UpdateProfileResponse updated;
  REQUIRE(f->stub()
              .UpdateProfile(IdentityFixture::Context(pair.access_token()).get(), request, &updated)
              .ok());
  CHECK(updated.account().display_name() == "Мария Ивановна Соколова");

  request.clear_update_mask();
  CHECK_RPC_ERROR(f->stub().UpdateProfile(IdentityFixture::Context(pair.access_token()).get(),
                                          request, &updated),
                  INVALID_ARGUMENT, "INVALID_UPDATE_MASK");
  request.mutable_update_mask()->add_paths("display_name");
  request.set_display_name("");
  CHECK_RPC_ERROR(f->stub().UpdateProfile(IdentityFixture::Context(pair.access_token()).get(),
                                          request, &updated),
                  INVALID_ARGUMENT, "INVALID_DISPLAY_NAME");
  v1::GetMeResponse me;
  REQUIRE(f->stub().GetMe(IdentityFixture::Context(pair.access_token()).get(), {}, &me).ok());
  CHECK(me.account().display_name() == "Мария Ивановна Соколова");
}

TEST_CASE("A person lists and revokes only their own sessions", "[identity][api]") {
  PARTA_IDENTITY_FIXTURE(f);
  REQUIRE(f->Register("teacher@school.ru").ok());
  REQUIRE(f->Register("other@school.ru").ok());
  v1::TokenPair laptop, phone, stranger;
  REQUIRE(f->Login("teacher@school.ru", &laptop).ok());
  REQUIRE(f->Login("teacher@school.ru", &phone).ok());
  REQUIRE(f->Login("other@school.ru", &stranger).ok());

  v1::ListSessionsResponse sessions;
  REQUIRE(f->stub()
              .ListSessions(IdentityFixture::Context(laptop.access_token()).get(), {}, &sessions)
              .ok());
  REQUIRE(sessions.sessions_size() == 2);
  int current = 0;
  for (const v1::Session& session : sessions.sessions()) {
    if (session.current()) {
      ++current;
      CHECK(session.id() == laptop.session_id());
    }
    CHECK(session.device() == "test");
  }
  CHECK(current == 1);

  v1::RevokeSessionRequest request;
  request.set_session_id(phone.session_id());
  v1::RevokeSessionResponse out;
  CHECK_RPC_ERROR(f->stub().RevokeSession(IdentityFixture::Context(stranger.access_token()).get(),
                                          request, &out),
                  NOT_FOUND, "SESSION_NOT_FOUND");
  REQUIRE(f->stub()
              .RevokeSession(IdentityFixture::Context(laptop.access_token()).get(), request, &out)
              .ok());
  v1::GetMeResponse me;
  CHECK_RPC_ERROR(f->stub().GetMe(IdentityFixture::Context(phone.access_token()).get(), {}, &me),
                  UNAUTHENTICATED, "SESSION_REVOKED");
  CHECK(f->stub().GetMe(IdentityFixture::Context(stranger.access_token()).get(), {}, &me).ok());
  request.set_session_id("not-a-session");
  CHECK_RPC_ERROR(
      f->stub().RevokeSession(IdentityFixture::Context(laptop.access_token()).get(), request, &out),
      NOT_FOUND, "SESSION_NOT_FOUND");
}

TEST_CASE("ListSessions pages the newest first with tokens only the caller may use",
          "[identity][api]") {
  PARTA_IDENTITY_FIXTURE(f);
  REQUIRE(f->Register("teacher@school.ru").ok());
  REQUIRE(f->Register("other@school.ru").ok());
  std::vector<v1::TokenPair> devices(5);
  for (v1::TokenPair& device : devices) {
    REQUIRE(f->Login("teacher@school.ru", &device).ok());
    f->clock().Advance(absl::Seconds(1));
  }
  v1::TokenPair stranger;
  REQUIRE(f->Login("other@school.ru", &stranger).ok());
  auto list = [&](const v1::TokenPair& who, const v1::ListSessionsRequest& request,
                  v1::ListSessionsResponse* response) {
    return f->stub().ListSessions(IdentityFixture::Context(who.access_token()).get(), request,
                                  response);
  };

  // Walked two at a time: every session once, the newest first.
  v1::ListSessionsRequest request;
  request.set_page_size(2);
  std::vector<std::string> walked;
  std::string second_page_token;
  int pages = 0;
  do {
    v1::ListSessionsResponse page;
    REQUIRE(list(devices[0], request, &page).ok());
    ++pages;
    REQUIRE(page.sessions_size() <= 2);
    for (const v1::Session& session : page.sessions()) walked.push_back(session.id());
    if (second_page_token.empty()) second_page_token = page.next_page_token();
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty() && pages < 100);
  std::vector<std::string> newest_first;
  for (auto device = devices.rbegin(); device != devices.rend(); ++device) {
    newest_first.push_back(device->session_id());
  }
  CHECK(walked == newest_first);
  CHECK(pages == 3);
  REQUIRE_FALSE(second_page_token.empty());
  CHECK(second_page_token.find(devices[3].session_id()) == std::string::npos);

  // Another person's token, a garbled one, a raw id: INVALID_PAGE_TOKEN.
  v1::ListSessionsResponse refused;
  request.set_page_token(second_page_token);
  CHECK_RPC_ERROR(list(stranger, request, &refused), INVALID_ARGUMENT, "INVALID_PAGE_TOKEN");
  std::string garbled = second_page_token;
  for (char& c : garbled) c = c == 'A' ? 'B' : 'A';
  request.set_page_token(garbled);
  CHECK_RPC_ERROR(list(devices[0], request, &refused), INVALID_ARGUMENT, "INVALID_PAGE_TOKEN");
  request.set_page_token(devices[3].session_id());
  CHECK_RPC_ERROR(list(devices[0], request, &refused), INVALID_ARGUMENT, "INVALID_PAGE_TOKEN");

  // Page sizes: 0 is the default (50), 100 at most; a revoked session leaves the list.
  request.clear_page_token();
  request.set_page_size(101);
  CHECK_RPC_ERROR(list(devices[0], request, &refused), INVALID_ARGUMENT, "INVALID_PAGE");
  request.set_page_size(-1);
  CHECK_RPC_ERROR(list(devices[0], request, &refused), INVALID_ARGUMENT, "INVALID_PAGE");
  v1::RevokeSessionRequest revoke;
  revoke.set_session_id(devices[2].session_id());
  v1::RevokeSessionResponse revoked;
  REQUIRE(f->stub()
              .RevokeSession(IdentityFixture::Context(devices[0].access_token()).get(), revoke,
                             &revoked)
              .ok());
  request.set_page_size(0);
  v1::ListSessionsResponse all;
  REQUIRE(list(devices[0], request, &all).ok());
  CHECK(all.next_page_token().empty());
  REQUIRE(all.sessions_size() == 4);
  for (const v1::Session& session : all.sessions()) {
    CHECK(session.id() != devices[2].session_id());
  }
}

TEST_CASE("ChangePassword needs the current password and ends every other session",
          "[identity][api]") {
  PARTA_IDENTITY_FIXTURE(f);
  REQUIRE(f->Register("teacher@school.ru").ok());
  v1::TokenPair here, elsewhere;
  REQUIRE(f->Login("teacher@school.ru", &here).ok());
  REQUIRE(f->Login("teacher@school.ru", &elsewhere).ok());
  const std::string replacement = "Мороз и солнце, день чудесный 1826";
  v1::ChangePasswordRequest request;
  request.set_current_password("Not the password at all 99");
  request.set_new_password(replacement);
  v1::ChangePasswordResponse response;
  auto call = [&] {
    return f->stub().ChangePassword(IdentityFixture::Context(here.access_token()).get(), request,
                                    &response);
  };
  CHECK_RPC_ERROR(call(), UNAUTHENTICATED, "WRONG_PASSWORD");
  request.set_current_password(kPassword);
  request.set_new_password("password1234");
  CHECK_RPC_ERROR(call(), INVALID_ARGUMENT, "WEAK_PASSWORD");
  request.set_new_password(replacement);
  REQUIRE(call().ok());
  CHECK(response.revoked_sessions() == 1);

  v1::GetMeResponse me;
  CHECK(f->stub().GetMe(IdentityFixture::Context(here.access_token()).get(), {}, &me).ok());
  CHECK_RPC_ERROR(
      f->stub().GetMe(IdentityFixture::Context(elsewhere.access_token()).get(), {}, &me),
      UNAUTHENTICATED, "SESSION_REVOKED");
  v1::TokenPair pair;
  CHECK_RPC_ERROR(f->Login("teacher@school.ru", &pair), UNAUTHENTICATED, "INVALID_CREDENTIALS");
  CHECK(f->Login("teacher@school.ru", &pair, replacement).ok());
}

TEST_CASE("Operators list, rotate and revoke API clients, and then an old secret or a revoked "
          "client gets no token",
          "[identity][api]") {
  PARTA_IDENTITY_FIXTURE(f);
  v1::Account operator_account;
  const std::string op = f->OperatorToken("operator@parta.ru", &operator_account);
  REQUIRE(f->Register("teacher@school.ru").ok());
  v1::TokenPair user;
  REQUIRE(f->Login("teacher@school.ru", &user).ok());
  auto as = [](const std::string& token) { return IdentityFixture::Context(token); };
  std::vector<v1::CreateApiClientResponse> made(3);
  for (int i = 0; i < 3; ++i) {
    v1::CreateApiClientRequest create;
    create.set_display_name("Электронный журнал " + std::to_string(i + 1));
    create.add_scopes("directory.events.read");
    REQUIRE(f->stub().CreateApiClient(as(op).get(), create, &made[i]).ok());
  }
  auto token_of = [&](const std::string& id, const std::string& secret) {
    v1::IssueServiceTokenRequest grant;
    grant.set_client_id(id);
    grant.set_client_secret(secret);
    v1::IssueServiceTokenResponse token;
    return f->stub().IssueServiceToken(IdentityFixture::Context().get(), grant, &token);
  };

  // Two pages holding each client once (made in one millisecond, their order among themselves
  // is the ids'), no secrets.
  v1::ListApiClientsRequest list;
  list.set_page_size(2);
  v1::ListApiClientsResponse first, second;
  REQUIRE(f->stub().ListApiClients(as(op).get(), list, &first).ok());
  REQUIRE(first.clients_size() == 2);
  CHECK_FALSE(first.next_page_token().empty());
  list.set_page_token(first.next_page_token());
  REQUIRE(f->stub().ListApiClients(as(op).get(), list, &second).ok());
  REQUIRE(second.clients_size() == 1);
  CHECK(second.next_page_token().empty());
  std::map<std::string, v1::ApiClient> listed;
  for (const auto* page : {&first, &second}) {
    for (const v1::ApiClient& client : page->clients()) listed[client.id()] = client;
  }
  REQUIRE(listed.size() == 3);
  const v1::ApiClient& journal = listed.at(made[0].client_id());
  CHECK(journal.display_name() == "Электронный журнал 1");
  CHECK(journal.scopes(0) == "directory.events.read");
  CHECK(journal.created_by() == operator_account.id());
  CHECK_FALSE(journal.has_revoke_time());
  CHECK(listed.count(made[2].client_id()) == 1);
  CHECK_RPC_ERROR(f->stub().ListApiClients(as(user.access_token()).get(), {}, &first), PERMISSION_DENIED,
                  "OPERATOR_ONLY");

  // A rotation: the new secret works, the old one no more.
  v1::RotateApiClientSecretRequest rotate;
  rotate.set_client_id(made[0].client_id());
  v1::RotateApiClientSecretResponse rotated;
  CHECK_RPC_ERROR(f->stub().RotateApiClientSecret(as(user.access_token()).get(), rotate, &rotated),
                  PERMISSION_DENIED, "OPERATOR_ONLY");
  REQUIRE(f->stub().RotateApiClientSecret(as(op).get(), rotate, &rotated).ok());
  CHECK(rotated.client_secret() != made[0].client_secret());
  CHECK_RPC_ERROR(token_of(made[0].client_id(), made[0].client_secret()), UNAUTHENTICATED,
                  "INVALID_CLIENT");
  CHECK(token_of(made[0].client_id(), rotated.client_secret()).ok());

  // A revocation: no token any more, and nothing left to rotate.
  v1::RevokeApiClientRequest revoke;
  revoke.set_client_id(made[1].client_id());
  v1::RevokeApiClientResponse revoked;
  REQUIRE(f->stub().RevokeApiClient(as(op).get(), revoke, &revoked).ok());
  CHECK(revoked.client().has_revoke_time());
  CHECK_RPC_ERROR(token_of(made[1].client_id(), made[1].client_secret()), UNAUTHENTICATED,
                  "INVALID_CLIENT");
  v1::RevokeApiClientResponse again;
  REQUIRE(f->stub().RevokeApiClient(as(op).get(), revoke, &again).ok());
  CHECK(again.client().revoke_time().seconds() == revoked.client().revoke_time().seconds());
  rotate.set_client_id(made[1].client_id());
  CHECK_RPC_ERROR(f->stub().RotateApiClientSecret(as(op).get(), rotate, &rotated),
                  FAILED_PRECONDITION, "API_CLIENT_REVOKED");
  CHECK(token_of(made[2].client_id(), made[2].client_secret()).ok());  // the others unaffected
  revoke.set_client_id("01a2b3c4-0000-7000-8000-000000000000");
  CHECK_RPC_ERROR(f->stub().RevokeApiClient(as(op).get(), revoke, &revoked), NOT_FOUND,
                  "API_CLIENT_NOT_FOUND");
}

TEST_CASE(
    "Service tokens open internal RPCs but user tokens do not, and service tokens do not act "
    "as users",
    "[identity][api]") {
  PARTA_IDENTITY_FIXTURE(f);
  v1::Account operator_account, teacher;
  REQUIRE(f->Register("operator@parta.ru", &operator_account).ok());
  REQUIRE(f->Register("teacher@school.ru", &teacher).ok());
  REQUIRE(f->pool()
              .Transact([&](pqxx::work& tx) {
                tx.exec_params("UPDATE accounts SET is_operator = true WHERE id = $1",
                               operator_account.id());
                return absl::OkStatus();
              })
              .ok());
  v1::TokenPair op, user;
  REQUIRE(f->Login("operator@parta.ru", &op).ok());
  REQUIRE(f->Login("teacher@school.ru", &user).ok());

  v1::CreateApiClientRequest create;
  create.set_display_name("Regional roster reader");
  create.add_scopes("identity.accounts.read");
  v1::CreateApiClientResponse client;
  CHECK_RPC_ERROR(f->stub().CreateApiClient(IdentityFixture::Context(user.access_token()).get(),
                                            create, &client),
                  PERMISSION_DENIED, "OPERATOR_ONLY");
  v1::CreateApiClientRequest bad_scope = create;
  bad_scope.add_scopes("not a scope!");
  CHECK_RPC_ERROR(f->stub().CreateApiClient(IdentityFixture::Context(op.access_token()).get(),
                                            bad_scope, &client),
                  INVALID_ARGUMENT, "INVALID_SCOPE");
  // The all-powerful scope of old is granted no more.
  v1::CreateApiClientRequest all_powerful = create;
  all_powerful.add_scopes("parta.internal");
  CHECK_RPC_ERROR(f->stub().CreateApiClient(IdentityFixture::Context(op.access_token()).get(),
                                            all_powerful, &client),
                  INVALID_ARGUMENT, "INVALID_SCOPE");
  REQUIRE(f->stub()
              .CreateApiClient(IdentityFixture::Context(op.access_token()).get(), create, &client)
              .ok());

  v1::IssueServiceTokenRequest grant;
  grant.set_client_id(client.client_id());
  grant.set_client_secret("wrong");
  v1::IssueServiceTokenResponse service;
  CHECK_RPC_ERROR(f->stub().IssueServiceToken(IdentityFixture::Context().get(), grant, &service),
                  UNAUTHENTICATED, "INVALID_CLIENT");
  grant.set_client_secret(client.client_secret());
  grant.add_scopes("parta.admin");
  CHECK_RPC_ERROR(f->stub().IssueServiceToken(IdentityFixture::Context().get(), grant, &service),
                  PERMISSION_DENIED, "SCOPE_NOT_ALLOWED");
  grant.clear_scopes();
  REQUIRE(f->stub().IssueServiceToken(IdentityFixture::Context().get(), grant, &service).ok());
  CHECK(service.scopes_size() == 1);

  v1::GetAccountRequest get;
  get.set_account_id(teacher.id());
  v1::GetAccountResponse account;
  REQUIRE(f->stub()
              .GetAccount(IdentityFixture::Context(service.access_token()).get(), get, &account)
              .ok());
  CHECK(account.account().email() == "teacher@school.ru");
  CHECK_RPC_ERROR(
      f->stub().GetAccount(IdentityFixture::Context(user.access_token()).get(), get, &account),
      PERMISSION_DENIED, "INTERNAL_ONLY");
  CHECK_RPC_ERROR(f->stub().GetAccount(IdentityFixture::Context().get(), get, &account),
                  UNAUTHENTICATED, "TOKEN_REQUIRED");
  // Its scope opens GetAccount and nothing else.
  v1::RaiseVerificationLevelRequest raise;
  raise.set_account_id(teacher.id());
  raise.set_level(v1::VERIFICATION_LEVEL_SCHOOL_CONFIRMED);
  v1::RaiseVerificationLevelResponse raised;
  CHECK_RPC_ERROR(f->stub().RaiseVerificationLevel(
                      IdentityFixture::Context(service.access_token()).get(), raise, &raised),
                  PERMISSION_DENIED, "MISSING_SCOPE");
  v1::GetMeResponse me;
  CHECK_RPC_ERROR(f->stub().GetMe(IdentityFixture::Context(service.access_token()).get(), {}, &me),
                  PERMISSION_DENIED, "USER_TOKEN_REQUIRED");
  get.set_account_id("00000000-0000-7000-8000-000000000000");
  CHECK_RPC_ERROR(
      f->stub().GetAccount(IdentityFixture::Context(service.access_token()).get(), get, &account),
      NOT_FOUND, "ACCOUNT_NOT_FOUND");
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The payload of a JWT, unverified (the test reads what identity wrote).
nlohmann::json PayloadOf(const std::string& token) {
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  REQUIRE(parts.size() == 3);
  std::optional<std::string> payload = Base64UrlDecode(parts[1]);
  REQUIRE(payload);
  return nlohmann::json::parse(*payload);
}

TEST_CASE("Operators bind API clients to certificates and limit them to schools, and a bound "
          "client gets no token without its certificate",
          "[identity][api]") {
  PARTA_IDENTITY_FIXTURE(f);
  const std::string op = f->OperatorToken("operator@parta.ru");
  REQUIRE(f->Register("teacher@school.ru").ok());
  v1::TokenPair user;
  REQUIRE(f->Login("teacher@school.ru", &user).ok());
  auto as = [](const std::string& token) { return IdentityFixture::Context(token); };
  const std::string folder =
      (std::filesystem::temp_directory_path() /
       absl::StrCat("parta-api-client-", absl::BytesToHexString(RandomBytes(6))))
          .string();
  const std::string pem =
      ReadFile(parta::testing::WriteSelfSignedCertificate(folder, "Электронный журнал")
                   .certificate_path);
  std::filesystem::remove_all(folder);
  absl::StatusOr<auth::CertificateFacts> facts = auth::ReadPemCertificate(pem);
  REQUIRE(facts.ok());
  const std::string school = "0190F1E2-0000-7000-8000-0000000000AA";

  // Bad certificates and limits are refused and register nothing.
  v1::CreateApiClientRequest create;
  create.set_display_name("Электронный журнал");
  create.add_scopes("directory.events.read");
  v1::CreateApiClientResponse made;
  v1::CreateApiClientRequest limited_but_wide = create;
  limited_but_wide.add_region_codes("77");
  limited_but_wide.add_scopes("directory.memberships.read");
  CHECK_RPC_ERROR(f->stub().CreateApiClient(as(op).get(), limited_but_wide, &made),
                  INVALID_ARGUMENT, "INVALID_SCOPE");
  for (auto [field, value, reason] :
       {std::tuple{"client_certificate", "not a certificate", "INVALID_CERTIFICATE"},
        std::tuple{"school_ids", "school-1", "INVALID_SCHOOL_ID"},
        std::tuple{"region_codes", "777", "INVALID_REGION_CODE"},
        std::tuple{"region_codes", "7A", "INVALID_REGION_CODE"}}) {
    INFO(field << " " << value);
    v1::CreateApiClientRequest bad = create;
    if (std::string(field) == "client_certificate") bad.set_client_certificate(value);
    if (std::string(field) == "school_ids") bad.add_school_ids(value);
    if (std::string(field) == "region_codes") bad.add_region_codes(value);
    CHECK_RPC_ERROR(f->stub().CreateApiClient(as(op).get(), bad, &made), INVALID_ARGUMENT,
                    reason);
  }
  v1::ListApiClientsResponse listed;
  REQUIRE(f->stub().ListApiClients(as(op).get(), {}, &listed).ok());
  CHECK(listed.clients_size() == 0);

  // Bound and limited: the lists are kept normalised, each entry once.
  create.set_client_certificate(pem);
  create.add_school_ids(school);
  create.add_school_ids(absl::AsciiStrToLower(school));
  create.add_region_codes("77");
  create.add_region_codes("77");
  REQUIRE(f->stub().CreateApiClient(as(op).get(), create, &made).ok());
  REQUIRE(f->stub().ListApiClients(as(op).get(), {}, &listed).ok());
  REQUIRE(listed.clients_size() == 1);
  const v1::ApiClient& client = listed.clients(0);
  CHECK(client.certificate_sha256() == facts->thumbprint);
  CHECK(client.certificate_expire_time().seconds() == absl::ToUnixSeconds(facts->not_after));
  CHECK(std::vector<std::string>(client.school_ids().begin(), client.school_ids().end()) ==
        std::vector<std::string>{absl::AsciiStrToLower(school)});
  CHECK(std::vector<std::string>(client.region_codes().begin(), client.region_codes().end()) ==
        std::vector<std::string>{"77"});

  // This connection presents no certificate: the bound client gets no token, even with its
  // right secret.
  v1::IssueServiceTokenRequest grant;
  grant.set_client_id(made.client_id());
  grant.set_client_secret(made.client_secret());
  v1::IssueServiceTokenResponse token;
  CHECK_RPC_ERROR(f->stub().IssueServiceToken(IdentityFixture::Context().get(), grant, &token),
                  UNAUTHENTICATED, "CLIENT_CERTIFICATE_REQUIRED");
  v1::IssueServiceTokenRequest wrong = grant;
  wrong.set_client_secret("wrong");
  CHECK_RPC_ERROR(f->stub().IssueServiceToken(IdentityFixture::Context().get(), wrong, &token),
                  UNAUTHENTICATED, "INVALID_CLIENT");

  // Only operators bind; an unknown client and a bad certificate are refused.
  v1::SetApiClientCertificateRequest bind;
  bind.set_client_id(made.client_id());
  v1::SetApiClientCertificateResponse bound;
  CHECK_RPC_ERROR(f->stub().SetApiClientCertificate(as(user.access_token()).get(), bind, &bound),
                  PERMISSION_DENIED, "OPERATOR_ONLY");
  v1::SetApiClientCertificateRequest unknown = bind;
  unknown.set_client_id("0190f1e2-0000-7000-8000-0000000000bb");
  CHECK_RPC_ERROR(f->stub().SetApiClientCertificate(as(op).get(), unknown, &bound), NOT_FOUND,
                  "API_CLIENT_NOT_FOUND");
  v1::SetApiClientCertificateRequest garbage = bind;
  garbage.set_client_certificate("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
  CHECK_RPC_ERROR(f->stub().SetApiClientCertificate(as(op).get(), garbage, &bound),
                  INVALID_ARGUMENT, "INVALID_CERTIFICATE");

  // Unbound, it gets a token again: carrying its limits and no confirmation.
  REQUIRE(f->stub().SetApiClientCertificate(as(op).get(), bind, &bound).ok());
  CHECK(bound.client().certificate_sha256().empty());
  CHECK_FALSE(bound.client().has_certificate_expire_time());
  REQUIRE(f->stub().IssueServiceToken(IdentityFixture::Context().get(), grant, &token).ok());
  nlohmann::json payload = PayloadOf(token.access_token());
  CHECK(payload["schools"] == nlohmann::json::array({absl::AsciiStrToLower(school)}));
  CHECK(payload["regions"] == nlohmann::json::array({"77"}));
  CHECK_FALSE(payload.contains("cnf"));

  // Bound again: refused again; a revoked client cannot be rebound.
  bind.set_client_certificate(pem);
  REQUIRE(f->stub().SetApiClientCertificate(as(op).get(), bind, &bound).ok());
  CHECK(bound.client().certificate_sha256() == facts->thumbprint);
  CHECK_RPC_ERROR(f->stub().IssueServiceToken(IdentityFixture::Context().get(), grant, &token),
                  UNAUTHENTICATED, "CLIENT_CERTIFICATE_REQUIRED");
  v1::RevokeApiClientRequest revoke;
  revoke.set_client_id(made.client_id());
  v1::RevokeApiClientResponse revoked;
  REQUIRE(f->stub().RevokeApiClient(as(op).get(), revoke, &revoked).ok());
  CHECK_RPC_ERROR(f->stub().SetApiClientCertificate(as(op).get(), bind, &bound),
                  FAILED_PRECONDITION, "API_CLIENT_REVOKED");
}

TEST_CASE("CreateApiClient answers a retry with the first client and secret, per caller",
          "[identity][api]") {
  PARTA_IDENTITY_FIXTURE(f);
  std::string op = OperatorToken(*f, "operator@parta.ru");
  const std::string other_op = OperatorToken(*f, "second.operator@parta.ru");
  auto create_client = [&](const std::string& token, const v1::CreateApiClientRequest& request,
                           v1::CreateApiClientResponse* response) {
    return f->stub().CreateApiClient(IdentityFixture::Context(token).get(), request, response);
  };
  auto count_of = [&](const std::string& table) {
    int64_t count = -1;
    REQUIRE(f->pool()
                .Transact([&](pqxx::work& tx) {
                  count = tx.exec("SELECT count(*) FROM " + table)[0][0].as<int64_t>();
                  return absl::OkStatus();
                })
                .ok());
    return count;
  };
  v1::CreateApiClientRequest create;
  create.set_display_name("Moscow e-journal");
  create.add_scopes("identity.accounts.read");
  create.set_request_id("журнал-1");

  v1::CreateApiClientResponse first, retried;
  REQUIRE(create_client(op, create, &first).ok());
  REQUIRE(create_client(op, create, &retried).ok());
  CHECK(retried.client_id() == first.client_id());
  CHECK(retried.client_secret() == first.client_secret());
  CHECK(count_of("api_clients") == 1);
  v1::IssueServiceTokenRequest grant;
  grant.set_client_id(retried.client_id());
  grant.set_client_secret(retried.client_secret());
  v1::IssueServiceTokenResponse token;
  CHECK(f->stub().IssueServiceToken(IdentityFixture::Context().get(), grant, &token).ok());
  // The answer kept for retries holds the secret sealed, never in the clear.
  std::string kept;
  REQUIRE(f->pool()
              .Transact([&](pqxx::work& tx) {
                kept =
                    pqxx::binarystring(tx.exec("SELECT sealed_answer FROM create_requests")[0][0])
                        .str();
                return absl::OkStatus();
              })
              .ok());
  CHECK(kept.find(first.client_secret()) == std::string::npos);
  CHECK(kept.find(first.client_id()) == std::string::npos);

  // The same id with other arguments is refused and makes nothing.
  v1::CreateApiClientRequest changed = create;
  changed.set_display_name("Kazan e-journal");
  v1::CreateApiClientResponse refused;
  CHECK_RPC_ERROR(create_client(op, changed, &refused), ALREADY_EXISTS, "REQUEST_ID_REUSED");
  CHECK(count_of("api_clients") == 1);

  // Another operator's same id is his own.
  v1::CreateApiClientResponse others;
  REQUIRE(create_client(other_op, create, &others).ok());
  CHECK(others.client_id() != first.client_id());
  CHECK(count_of("api_clients") == 2);

  // Without an id every call registers a client; an id over 100 bytes is refused.
  v1::CreateApiClientRequest no_id = create;
  no_id.clear_request_id();
  v1::CreateApiClientResponse one, two;
  REQUIRE(create_client(op, no_id, &one).ok());
  REQUIRE(create_client(op, no_id, &two).ok());
  CHECK(one.client_id() != two.client_id());
  CHECK(count_of("api_clients") == 4);
  v1::CreateApiClientRequest long_id = create;
  long_id.set_request_id(std::string(101, 'x'));
  CHECK_RPC_ERROR(create_client(op, long_id, &refused), INVALID_ARGUMENT, "INVALID_REQUEST_ID");

  // After the retry window (an hour) the claim is purged and the id registers anew.
  f->clock().Advance(absl::Hours(1) + absl::Minutes(1));
  REQUIRE(f->app().PurgeExpired().ok());
  CHECK(count_of("create_requests") == 0);
  v1::TokenPair fresh;
  REQUIRE(f->Login("operator@parta.ru", &fresh).ok());
  op = fresh.access_token();
  v1::CreateApiClientResponse later;
  REQUIRE(create_client(op, create, &later).ok());
  CHECK(later.client_id() != first.client_id());
  CHECK(count_of("api_clients") == 5);
}

TEST_CASE("Another service verifies identity's tokens with keys fetched over gRPC",
          "[identity][api]") {
  PARTA_IDENTITY_FIXTURE(f);
  REQUIRE(f->Register("teacher@school.ru").ok());
  v1::TokenPair pair;
  REQUIRE(f->Login("teacher@school.ru", &pair).ok());
  identity_client::IdentityKeySource keys(
      grpc::MakeChannel("127.0.0.1:" + std::to_string(f->app().grpc_port())), absl::Seconds(5));
  auth::TokenVerifier verifier(keys, nullptr, f->clock(),
                               {.verify = {.issuer = "parta-identity", .audience = "parta"}});
  absl::StatusOr<auth::Claims> claims = verifier.Verify(pair.access_token());
  REQUIRE(claims.ok());
  CHECK(claims->session_id == pair.session_id());
}

}  // namespace
}  // namespace parta::identity

namespace parta::identity {
namespace {

using testing::IdentityFixture;
using testing::ReasonOf;

constexpr char kPupilPassword[] = "Мой новый пароль для школы 2026";

v1::CreateManagedAccountsResponse CreatePupils(IdentityFixture& f, const std::string& token,
                                               const std::vector<std::string>& keys) {
  v1::CreateManagedAccountsRequest request;
  for (const std::string& key : keys) {
    v1::NewManagedAccount& account = *request.add_accounts();
    account.set_display_name("Петров Иван " + key);
    account.set_external_key(key);
  }
  v1::CreateManagedAccountsResponse response;
  ::grpc::Status status =
      f.stub().CreateManagedAccounts(IdentityFixture::Context(token).get(), request, &response);
  INFO(status.error_message());
  REQUIRE(status.ok());
  return response;
}

::grpc::Status Activate(IdentityFixture& f, const std::string& login, const std::string& code,
                        const std::string& password, v1::TokenPair* pair) {
  v1::ActivateManagedAccountRequest request;
  request.set_login(login);
  request.set_code(code);
  request.set_new_password(password);
  request.set_device("школьный планшет");
  v1::ActivateManagedAccountResponse response;
  ::grpc::Status status =
      f.stub().ActivateManagedAccount(IdentityFixture::Context().get(), request, &response);
  *pair = response.tokens();
  return status;
}

TEST_CASE("School-managed accounts: created once per key, activated with a one-time code",
          "[identity][api][managed]") {
  PARTA_IDENTITY_FIXTURE(f);
  std::string service = f->ServiceToken();
  v1::CreateManagedAccountsResponse created =
      CreatePupils(*f, service, {"school-1/a", "school-1/b"});
  REQUIRE(created.accounts_size() == 2);
  const v1::ManagedAccountCredentials& pupil = created.accounts(0);
  CHECK(pupil.created());
  CHECK(pupil.account().email().empty());
  CHECK(pupil.account().username().size() == 10);
  CHECK(pupil.login_code().size() == 14);  // XXXX-XXXX-XXXX
  // Again with the same keys: the same accounts, no new codes.
  v1::CreateManagedAccountsResponse again = CreatePupils(*f, service, {"school-1/a"});
  CHECK(again.accounts(0).account().id() == pupil.account().id());
  CHECK_FALSE(again.accounts(0).created());
  CHECK(again.accounts(0).login_code().empty());

  // No password yet: a password login fails like any wrong password.
  v1::TokenPair pair;
  CHECK(ReasonOf(f->Login(pupil.account().username(), &pair, kPupilPassword)) ==
        "INVALID_CREDENTIALS");
  CHECK(ReasonOf(Activate(*f, pupil.account().username(), "AAAA-AAAA-AAAA", kPupilPassword,
                          &pair)) == "INVALID_CODE");
  CHECK(ReasonOf(Activate(*f, pupil.account().username(), pupil.login_code(), "123456789012",
                          &pair)) == "WEAK_PASSWORD");
  std::string typed = pupil.login_code();
  for (char& c : typed) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string upper_login = pupil.account().username();
  for (char& c : upper_login) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  REQUIRE(Activate(*f, upper_login, typed, kPupilPassword, &pair).ok());
  v1::GetMeResponse me;
  REQUIRE(f->stub().GetMe(IdentityFixture::Context(pair.access_token()).get(), {}, &me).ok());
  CHECK(me.account().id() == pupil.account().id());
  const v1::TokenPair first_activation = pair;
  // The code is spent; the password works.
  CHECK(ReasonOf(Activate(*f, pupil.account().username(), pupil.login_code(), kPupilPassword,
                          &pair)) == "INVALID_CODE");
  REQUIRE(f->Login(pupil.account().username(), &pair, kPupilPassword).ok());

  const v1::TokenPair password_login = pair;

  // The school prints a new code (the pupil forgot his password): it replaces the password and
  // ends every session opened before it, as a password change does.
  v1::IssueLoginCodesRequest reissue;
  reissue.add_account_ids(pupil.account().id());
  v1::IssueLoginCodesResponse codes;
  REQUIRE(f->stub().IssueLoginCodes(IdentityFixture::Context(service).get(), reissue, &codes).ok());
  v1::TokenPair reactivated;
  REQUIRE(Activate(*f, pupil.account().username(), codes.accounts(0).login_code(),
                   "Другой пароль, тоже длинный 7", &reactivated)
              .ok());
  v1::TokenPair refused;
  CHECK(ReasonOf(f->Login(pupil.account().username(), &refused, kPupilPassword)) ==
        "INVALID_CREDENTIALS");
  for (const v1::TokenPair* old : {&first_activation, &password_login}) {
    CHECK_RPC_ERROR(f->stub().GetMe(IdentityFixture::Context(old->access_token()).get(), {}, &me),
                    UNAUTHENTICATED, "SESSION_REVOKED");
    v1::RefreshRequest refresh;
    refresh.set_refresh_token(old->refresh_token());
    v1::RefreshResponse renewed;
    CHECK_RPC_ERROR(f->stub().Refresh(IdentityFixture::Context().get(), refresh, &renewed),
                    UNAUTHENTICATED, "SESSION_REVOKED");
  }
  // The session the new code opened works.
  REQUIRE(
      f->stub().GetMe(IdentityFixture::Context(reactivated.access_token()).get(), {}, &me).ok());

  // An expired code does not work.
  REQUIRE(f->stub().IssueLoginCodes(IdentityFixture::Context(service).get(), reissue, &codes).ok());
  f->clock().Advance(absl::Hours(24 * 31));
  CHECK(ReasonOf(Activate(*f, pupil.account().username(), codes.accounts(0).login_code(),
                          kPupilPassword, &pair)) == "INVALID_CODE");
}

TEST_CASE("Managed-account RPCs refuse bad input and users", "[identity][api][managed]") {
  PARTA_IDENTITY_FIXTURE(f);
  std::string service = f->ServiceToken();
  v1::Account adult;
  REQUIRE(f->Register("teacher@school.ru", &adult).ok());
  v1::TokenPair user;
  REQUIRE(f->Login("teacher@school.ru", &user).ok());

  v1::CreateManagedAccountsRequest request;
  request.add_accounts()->set_display_name("Без ключа");
  v1::CreateManagedAccountsResponse response;
  CHECK(ReasonOf(f->stub().CreateManagedAccounts(IdentityFixture::Context(service).get(), request,
                                                 &response)) == "INVALID_EXTERNAL_KEY");
  request.mutable_accounts(0)->set_external_key("k");
  CHECK(ReasonOf(f->stub().CreateManagedAccounts(
            IdentityFixture::Context(user.access_token()).get(), request, &response)) ==
        "INTERNAL_ONLY");
  request.mutable_accounts(0)->set_display_name("");
  CHECK(ReasonOf(f->stub().CreateManagedAccounts(IdentityFixture::Context(service).get(), request,
                                                 &response)) == "INVALID_DISPLAY_NAME");

  v1::IssueLoginCodesRequest reissue;
  reissue.add_account_ids(adult.id());
  v1::IssueLoginCodesResponse codes;
  CHECK(ReasonOf(f->stub().IssueLoginCodes(IdentityFixture::Context(service).get(), reissue,
                                           &codes)) == "ACCOUNT_NOT_MANAGED");

  v1::RaiseVerificationLevelRequest raise;
  raise.set_account_id(adult.id());
  raise.set_level(v1::VERIFICATION_LEVEL_NONE);
  v1::RaiseVerificationLevelResponse raised;
  CHECK(ReasonOf(f->stub().RaiseVerificationLevel(IdentityFixture::Context(service).get(), raise,
                                                  &raised)) == "INVALID_LEVEL");
  raise.set_level(v1::VERIFICATION_LEVEL_SCHOOL_CONFIRMED);
  REQUIRE(f->stub()
              .RaiseVerificationLevel(IdentityFixture::Context(service).get(), raise, &raised)
              .ok());
  CHECK(raised.account().verification_level() == v1::VERIFICATION_LEVEL_SCHOOL_CONFIRMED);
  CHECK(ReasonOf(f->stub().RaiseVerificationLevel(
            IdentityFixture::Context(user.access_token()).get(), raise, &raised)) ==
        "INTERNAL_ONLY");
  v1::TokenPair pair;
  CHECK(ReasonOf(Activate(*f, "", "x", kPupilPassword, &pair)) == "LOGIN_REQUIRED");
  CHECK(ReasonOf(Activate(*f, "u123456789", "", kPupilPassword, &pair)) == "CODE_REQUIRED");
  CHECK(ReasonOf(Activate(*f, "u123456789", "AAAA-AAAA-AAAA", kPupilPassword, &pair)) ==
        "INVALID_CODE");
}

v1::CreateGuestSessionRequest GuestRequest(const std::string& display_name,
                                           absl::Duration valid_for) {
  v1::CreateGuestSessionRequest request;
  request.set_display_name(display_name);
  request.mutable_valid_for()->set_seconds(absl::ToInt64Seconds(valid_for));
  return request;
}

TEST_CASE("A guest session acts as a signed-in user until its end and never after",
          "[identity][api][guest]") {
  PARTA_IDENTITY_FIXTURE(f);
  std::string service = f->ServiceToken();
  const int64_t start = absl::ToUnixSeconds(f->clock().Now());
  v1::CreateGuestSessionResponse guest;
  REQUIRE(f->stub()
              .CreateGuestSession(IdentityFixture::Context(service).get(),
                                  GuestRequest("Лектор Иванов", absl::Minutes(20)), &guest)
              .ok());
  CHECK(guest.account().guest());
  CHECK(guest.account().display_name() == "Лектор Иванов");
  CHECK(guest.account().email().empty());
  CHECK(guest.account().phone().empty());
  CHECK(guest.account().username().empty());
  CHECK(guest.account().state() == v1::ACCOUNT_STATE_ACTIVE);
  CHECK(guest.account().verification_level() == v1::VERIFICATION_LEVEL_NONE);
  CHECK(guest.expire_time().seconds() == start + 20 * 60);

  v1::GetMeResponse me;
  REQUIRE(f->stub().GetMe(IdentityFixture::Context(guest.access_token()).get(), {}, &me).ok());
  CHECK(me.account().id() == guest.account().id());
  CHECK(me.account().guest());
  v1::GetAccountRequest get;
  get.set_account_id(guest.account().id());
  v1::GetAccountResponse got;
  REQUIRE(f->stub().GetAccount(IdentityFixture::Context(service).get(), get, &got).ok());
  CHECK(got.account().guest());

  // No password to change, and no login to sign in with.
  v1::ChangePasswordRequest change;
  change.set_current_password(kPassword);
  change.set_new_password("Мороз и солнце, день чудесный 1826");
  v1::ChangePasswordResponse changed;
  CHECK_RPC_ERROR(f->stub().ChangePassword(IdentityFixture::Context(guest.access_token()).get(),
                                           change, &changed),
                  FAILED_PRECONDITION, "GUEST_ACCOUNT");
  v1::TokenPair pair;
  CHECK_RPC_ERROR(f->Login("Лектор Иванов", &pair), UNAUTHENTICATED, "INVALID_CREDENTIALS");

  // Before the end a refresh works, but the new pair ends with the session.
  f->clock().Advance(absl::Minutes(10));
  v1::RefreshRequest refresh;
  refresh.set_refresh_token(guest.refresh_token());
  v1::RefreshResponse renewed;
  REQUIRE(f->stub().Refresh(IdentityFixture::Context().get(), refresh, &renewed).ok());
  CHECK(renewed.tokens().access_token_expire_time().seconds() == guest.expire_time().seconds());
  CHECK(renewed.tokens().refresh_token_expire_time().seconds() == guest.expire_time().seconds());
  REQUIRE(
      f->stub().GetMe(IdentityFixture::Context(renewed.tokens().access_token()).get(), {}, &me).ok());

  // After it (and the verifiers' 30 s of clock-skew leeway), neither the access token (within
  // its usual 15 minutes) nor a refresh works.
  f->clock().Advance(absl::Minutes(10) + absl::Seconds(31));
  CHECK_RPC_ERROR(
      f->stub().GetMe(IdentityFixture::Context(renewed.tokens().access_token()).get(), {}, &me),
      UNAUTHENTICATED, "TOKEN_EXPIRED");
  refresh.set_refresh_token(renewed.tokens().refresh_token());
  CHECK_RPC_ERROR(f->stub().Refresh(IdentityFixture::Context().get(), refresh, &renewed),
                  UNAUTHENTICATED, "REFRESH_TOKEN_EXPIRED");
}

TEST_CASE("A guest's first access token ends with a session shorter than its lifetime",
          "[identity][api][guest]") {
  PARTA_IDENTITY_FIXTURE(f);
  v1::CreateGuestSessionResponse guest;
  REQUIRE(f->stub()
              .CreateGuestSession(IdentityFixture::Context(f->ServiceToken()).get(),
                                  GuestRequest("Гость", absl::Minutes(5)), &guest)
              .ok());
  v1::GetMeResponse me;
  f->clock().Advance(absl::Minutes(4));
  REQUIRE(f->stub().GetMe(IdentityFixture::Context(guest.access_token()).get(), {}, &me).ok());
  // Past the end and the verifiers' 30 s of clock-skew leeway, well within 15 minutes.
  f->clock().Advance(absl::Minutes(1) + absl::Seconds(31));
  CHECK_RPC_ERROR(f->stub().GetMe(IdentityFixture::Context(guest.access_token()).get(), {}, &me),
                  UNAUTHENTICATED, "TOKEN_EXPIRED");
  v1::RefreshRequest refresh;
  refresh.set_refresh_token(guest.refresh_token());
  v1::RefreshResponse renewed;
  CHECK_RPC_ERROR(f->stub().Refresh(IdentityFixture::Context().get(), refresh, &renewed),
                  UNAUTHENTICATED, "REFRESH_TOKEN_EXPIRED");
}

TEST_CASE("CreateGuestSession refuses users, bad names and lifetimes out of range",
          "[identity][api][guest]") {
  PARTA_IDENTITY_FIXTURE(f);
  std::string service = f->ServiceToken();
  REQUIRE(f->Register("teacher@school.ru").ok());
  v1::TokenPair user;
  REQUIRE(f->Login("teacher@school.ru", &user).ok());
  v1::CreateGuestSessionResponse guest;
  auto create = [&](const std::string& token, const v1::CreateGuestSessionRequest& request) {
    return f->stub().CreateGuestSession(IdentityFixture::Context(token).get(), request, &guest);
  };
  CHECK_RPC_ERROR(create(user.access_token(), GuestRequest("Гость", absl::Hours(1))),
                  PERMISSION_DENIED, "INTERNAL_ONLY");
  CHECK_RPC_ERROR(create(service, GuestRequest("", absl::Hours(1))), INVALID_ARGUMENT,
                  "INVALID_DISPLAY_NAME");
  CHECK_RPC_ERROR(create(service, GuestRequest("Гость\x01", absl::Hours(1))), INVALID_ARGUMENT,
                  "INVALID_DISPLAY_NAME");
  v1::CreateGuestSessionRequest unset;
  unset.set_display_name("Гость");
  CHECK_RPC_ERROR(create(service, unset), INVALID_ARGUMENT, "INVALID_VALID_FOR");
  CHECK_RPC_ERROR(create(service, GuestRequest("Гость", absl::Seconds(59))), INVALID_ARGUMENT,
                  "INVALID_VALID_FOR");
  CHECK_RPC_ERROR(create(service, GuestRequest("Гость", absl::Hours(24) + absl::Seconds(1))),
                  INVALID_ARGUMENT, "INVALID_VALID_FOR");
  CHECK_RPC_ERROR(create(service, GuestRequest("Гость", -absl::Hours(1))), INVALID_ARGUMENT,
                  "INVALID_VALID_FOR");
  CHECK(create(service, GuestRequest("Гость", absl::Minutes(1))).ok());
  CHECK(create(service, GuestRequest("Гость", absl::Hours(24))).ok());
}

}  // namespace
}  // namespace parta::identity
