#include <catch2/catch.hpp>

#include "absl/strings/str_split.h"
#include "libs/auth/token.h"
#include "services/identity/tests/identity_fixture.h"

namespace parta::identity {
namespace {

using testing::IdentityFixture;
using testing::kPassword;
using testing::ReasonOf;

#define CHECK_RPC_ERROR(status, expected_code, expected_reason)        \
  do {                                                                 \
    const ::grpc::Status& rpc_status_ = (status);                      \
    INFO(rpc_status_.error_message());                                 \
    CHECK(rpc_status_.error_code() == ::grpc::StatusCode::expected_code); \
    CHECK(ReasonOf(rpc_status_) == (expected_reason));                 \
  } while (false)

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

  v1::Account me;
  REQUIRE(f->stub().GetMe(IdentityFixture::Context(pair.access_token()).get(), {}, &me).ok());
  CHECK(me.id() == registered.id());
  CHECK(me.email() == "anna.petrovna@school.ru");
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

TEST_CASE("Register refuses bad input with a stable reason and writes nothing",
          "[identity][api]") {
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
  CHECK_RPC_ERROR(f->Login("teacher@school.ru", &pair, ""), INVALID_ARGUMENT,
                  "PASSWORD_REQUIRED");
}

TEST_CASE("GetMe refuses missing, malformed, tampered and foreign tokens", "[identity][api]") {
  PARTA_IDENTITY_FIXTURE(f);
  REQUIRE(f->Register("teacher@school.ru").ok());
  v1::TokenPair pair;
  REQUIRE(f->Login("teacher@school.ru", &pair).ok());
  v1::Account me;
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
  auth::Claims claims{.issuer = "parta-identity", .audience = "parta", .subject = me.id(),
                      .session_id = pair.session_id(), .token_id = "x",
                      .issued_at = f->clock().Now(), .not_before = f->clock().Now(),
                      .expires_at = f->clock().Now() + absl::Minutes(5)};
  CHECK_RPC_ERROR(f->stub().GetMe(
                      IdentityFixture::Context(auth::SignToken(foreign, "foreign", claims)).get(),
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
  v1::TokenPair second;
  REQUIRE(f->stub().Refresh(IdentityFixture::Context().get(), request, &second).ok());
  CHECK(second.refresh_token() != first.refresh_token());
  CHECK(second.access_token() != first.access_token());
  CHECK(second.session_id() == first.session_id());
  v1::Account me;
  CHECK(f->stub().GetMe(IdentityFixture::Context(second.access_token()).get(), {}, &me).ok());

  request.set_refresh_token("");
  CHECK_RPC_ERROR(f->stub().Refresh(IdentityFixture::Context().get(), request, &second),
                  INVALID_ARGUMENT, "REFRESH_TOKEN_REQUIRED");
  request.set_refresh_token("made-up");
  CHECK_RPC_ERROR(f->stub().Refresh(IdentityFixture::Context().get(), request, &second),
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

  v1::Account me;
  CHECK_RPC_ERROR(f->stub().GetMe(IdentityFixture::Context(pair.access_token()).get(), {}, &me),
                  UNAUTHENTICATED, "SESSION_REVOKED");
  v1::RefreshRequest request;
  request.set_refresh_token(pair.refresh_token());
  v1::TokenPair renewed;
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
}

TEST_CASE("Every response carries a request id, the caller's own when given",
          "[identity][api]") {
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

}  // namespace
}  // namespace parta::identity
