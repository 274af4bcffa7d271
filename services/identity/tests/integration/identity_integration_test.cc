#include <catch2/catch.hpp>

#include <atomic>
#include <sstream>
#include <thread>
#include <vector>

#include "libs/auth/revoked_sessions.h"
#include "libs/auth/token.h"
#include "libs/core/status.h"
#include "libs/grpc/status.h"
#include "libs/pg/outbox.h"
#include "libs/redis/streams.h"
#include "services/identity/adapters/event_publisher.h"
#include "parta/identity/v1/events.pb.h"
#include "services/identity/adapters/pg_store.h"
#include "services/identity/operator_cli.h"
#include "services/identity/tests/identity_fixture.h"

namespace parta::identity {
namespace {

using testing::IdentityFixture;
using testing::ReasonOf;

int64_t Count(pg::Pool& pool, const std::string& sql) {
  return *pool.TransactFor<int64_t>([&](pqxx::work& tx) { return tx.exec1(sql)[0].as<int64_t>(); });
}

TEST_CASE("Concurrent registrations of one e-mail: exactly one wins", "[identity][integration]") {
  PARTA_IDENTITY_FIXTURE(f);
  std::atomic<int> created{0}, exists{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      ::grpc::Status status = f->Register(i % 2 == 0 ? "race@school.ru" : "RACE@school.ru");
      if (status.ok()) created.fetch_add(1);
      if (ReasonOf(status) == "ACCOUNT_EXISTS") exists.fetch_add(1);
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(created.load() == 1);
  CHECK(exists.load() == 7);
  CHECK(Count(f->pool(), "SELECT count(*) FROM accounts") == 1);
}

TEST_CASE("Migrations apply to an empty schema once and a second run changes nothing",
          "[identity][integration]") {
  PARTA_IDENTITY_FIXTURE(f);
  int64_t before = Count(f->pool(), "SELECT count(*) FROM schema_migrations");
  CHECK(before >= 1);
  REQUIRE(MigrateIdentity(f->config()).ok());
  CHECK(Count(f->pool(), "SELECT count(*) FROM schema_migrations") == before);
}

TEST_CASE("A refresh retried within the grace returns the same pair and reuse after it revokes "
          "the whole session", "[identity][integration]") {
  PARTA_IDENTITY_FIXTURE(f, [](IdentityConfig& config) {
    config.identity.refresh_grace = absl::Seconds(30);
  });
  REQUIRE(f->Register("teacher@school.ru").ok());
  v1::TokenPair first;
  REQUIRE(f->Login("teacher@school.ru", &first).ok());

  v1::RefreshRequest request;
  request.set_refresh_token(first.refresh_token());
  v1::RefreshResponse refreshed_a, refreshed_b;
  REQUIRE(f->stub().Refresh(IdentityFixture::Context().get(), request, &refreshed_a).ok());
  f->clock().Advance(absl::Seconds(20));
  REQUIRE(f->stub().Refresh(IdentityFixture::Context().get(), request, &refreshed_b).ok());
  const v1::TokenPair& tab_a = refreshed_a.tokens();
  const v1::TokenPair& tab_b = refreshed_b.tokens();
  CHECK(tab_b.refresh_token() == tab_a.refresh_token());
  CHECK(tab_b.access_token() == tab_a.access_token());

  // Past the grace, the spent token is a stolen one: the session ends for everyone.
  f->clock().Advance(absl::Seconds(11));
  v1::RefreshResponse reused;
  ::grpc::Status status = f->stub().Refresh(IdentityFixture::Context().get(), request, &reused);
  CHECK(status.error_code() == ::grpc::StatusCode::UNAUTHENTICATED);
  CHECK(ReasonOf(status) == "REFRESH_TOKEN_REUSED");

  request.set_refresh_token(tab_a.refresh_token());
  status = f->stub().Refresh(IdentityFixture::Context().get(), request, &reused);
  CHECK(ReasonOf(status) == "SESSION_REVOKED");
  v1::GetMeResponse me;
  status = f->stub().GetMe(IdentityFixture::Context(tab_a.access_token()).get(), {}, &me);
  CHECK(ReasonOf(status) == "SESSION_REVOKED");
}

TEST_CASE("Key rotation: a previous key's token verifies until it expires and a removed key's "
          "does not", "[identity][integration]") {
  PARTA_IDENTITY_FIXTURE(f, [](IdentityConfig& config) {
    config.keys.rotation = absl::Hours(1);
    config.keys.publish_ahead = absl::Minutes(10);
    config.identity.access_token_ttl = absl::Minutes(15);
    config.keys.token_lifetime = absl::Minutes(15);
    config.key_check_interval = absl::Minutes(1);
  });
  REQUIRE(f->Register("teacher@school.ru").ok());
  v1::GetMeResponse me;
  auto get_me = [&](const std::string& token) {
    return f->stub().GetMe(IdentityFixture::Context(token).get(), {}, &me);
  };

  f->clock().Advance(absl::Minutes(55));
  REQUIRE(f->app().key_ring().Maintain().ok());  // publishes the successor
  v1::TokenPair old_pair;
  REQUIRE(f->Login("teacher@school.ru", &old_pair).ok());
  absl::StatusOr<std::string> old_kid = auth::PeekKeyId(old_pair.access_token());
  absl::StatusOr<KeyRing::Signer> old_signer = f->app().key_ring().SignerById(*old_kid);
  REQUIRE(old_signer.ok());

  f->clock().Advance(absl::Minutes(6));  // t = 61 min: the successor signs
  REQUIRE(f->app().key_ring().Maintain().ok());
  v1::TokenPair new_pair;
  REQUIRE(f->Login("teacher@school.ru", &new_pair).ok());
  CHECK(*auth::PeekKeyId(new_pair.access_token()) != *old_kid);
  CHECK(get_me(old_pair.access_token()).ok());
  CHECK(get_me(new_pair.access_token()).ok());

  f->clock().Advance(absl::Minutes(10));  // t = 71 min: the old token expired
  CHECK(ReasonOf(get_me(old_pair.access_token())) == "TOKEN_EXPIRED");

  // t = 77 min: the old key is gone; a token it signs now (a leaked key) is refused.
  f->clock().Advance(absl::Minutes(6));
  REQUIRE(f->app().key_ring().Maintain().ok());
  auth::Claims claims{.issuer = "parta-identity",
                      .audience = "parta",
                      .subject = me.account().id(),
                      .session_id = new_pair.session_id(),
                      .token_id = "forged",
                      .issued_at = f->clock().Now(),
                      .not_before = f->clock().Now(),
                      .expires_at = f->clock().Now() + absl::Minutes(15)};
  std::string forged = auth::SignToken(old_signer->key, *old_kid, claims);
  CHECK(ReasonOf(get_me(forged)) == "UNKNOWN_KEY");
  v1::TokenPair latest;
  REQUIRE(f->Login("teacher@school.ru", &latest).ok());
  CHECK(*auth::PeekKeyId(latest.access_token()) == *auth::PeekKeyId(new_pair.access_token()));
  CHECK(get_me(latest.access_token()).ok());
}

TEST_CASE("Signing keys are stored sealed, never in the clear", "[identity][integration]") {
  PARTA_IDENTITY_FIXTURE(f);
  absl::StatusOr<KeyRing::Signer> signer = f->app().key_ring().CurrentSigner();
  REQUIRE(signer.ok());
  std::string raw = signer->key.RawPrivate();
  std::string sealed = *f->pool().TransactFor<std::string>([&](pqxx::work& tx) {
    pqxx::binarystring bytes(tx.exec1("SELECT sealed_private FROM signing_keys")[0]);
    return bytes.str();
  });
  CHECK(sealed.size() > raw.size());
  CHECK(sealed.find(raw) == std::string::npos);
}

using testing::kPassword;

::grpc::Status LoginFrom(IdentityFixture& f, const std::string& address, const std::string& login,
                         const std::string& password, v1::TokenPair* pair) {
  auto context = IdentityFixture::Context();
  context->AddMetadata("x-forwarded-for", address);
  v1::LoginRequest request;
  request.set_login(login);
  request.set_password(password);
  v1::LoginResponse response;
  ::grpc::Status status = f.stub().Login(context.get(), request, &response);
  *pair = response.tokens();
  return status;
}

TEST_CASE("Failed logins make the login wait a growing delay, never a lockout",
          "[identity][integration]") {
  PARTA_IDENTITY_FIXTURE(f, [](IdentityConfig& config) {
    config.identity.login_protection.free_attempts = 2;
    config.identity.login_protection.base_delay = absl::Seconds(1);
    config.identity.login_protection.max_delay = absl::Minutes(1);
  });
  REQUIRE(f->Register("teacher@school.ru").ok());
  v1::TokenPair pair;
  const std::string wrong = "Not my password at all 42";
  CHECK(ReasonOf(f->Login("teacher@school.ru", &pair, wrong)) == "INVALID_CREDENTIALS");
  CHECK(ReasonOf(f->Login("teacher@school.ru", &pair, wrong)) == "INVALID_CREDENTIALS");
  CHECK(ReasonOf(f->Login("teacher@school.ru", &pair, wrong)) == "INVALID_CREDENTIALS");
  // Third failure: one second to wait, even with the right password.
  ::grpc::Status throttled = f->Login("teacher@school.ru", &pair);
  CHECK(throttled.error_code() == ::grpc::StatusCode::RESOURCE_EXHAUSTED);
  CHECK(ReasonOf(throttled) == "LOGIN_THROTTLED");
  CHECK(parta::RetryAfterOf(grpc::FromGrpcStatus(throttled)) == absl::Seconds(1));
  f->clock().Advance(absl::Seconds(1));
  CHECK(ReasonOf(f->Login("teacher@school.ru", &pair, wrong)) == "INVALID_CREDENTIALS");
  CHECK(parta::RetryAfterOf(grpc::FromGrpcStatus(f->Login("teacher@school.ru", &pair))) ==
        absl::Seconds(2));
  // An unknown login is throttled the same way, so throttling tells nothing.
  for (int i = 0; i < 3; ++i) (void)f->Login("nobody@school.ru", &pair, wrong);
  CHECK(ReasonOf(f->Login("nobody@school.ru", &pair, wrong)) == "LOGIN_THROTTLED");

  f->clock().Advance(absl::Seconds(2));
  REQUIRE(f->Login("teacher@school.ru", &pair).ok());  // the owner gets in, and the count resets
  CHECK(ReasonOf(f->Login("teacher@school.ru", &pair, wrong)) == "INVALID_CREDENTIALS");
  CHECK(f->Login("teacher@school.ru", &pair).ok());
}

TEST_CASE("Failed logins from one address are limited per address seen through a trusted proxy",
          "[identity][integration]") {
  PARTA_IDENTITY_FIXTURE(f, [](IdentityConfig& config) {
    config.trusted_proxies = {"127.0.0.1"};
    config.identity.login_protection.address_burst = 3;
    config.identity.login_protection.address_refill_per_second = 1;
  });
  REQUIRE(f->Register("teacher@school.ru").ok());
  v1::TokenPair pair;
  // Password spraying: each login tried once, from one address.
  for (int i = 0; i < 3; ++i) {
    CHECK(ReasonOf(LoginFrom(*f, "203.0.113.7", "user" + std::to_string(i) + "@school.ru",
                             "Guess number one 1234", &pair)) == "INVALID_CREDENTIALS");
  }
  CHECK(ReasonOf(LoginFrom(*f, "203.0.113.7", "teacher@school.ru", kPassword, &pair)) ==
        "ADDRESS_THROTTLED");
  // Another school's address is not affected; successes never count against an address.
  for (int i = 0; i < 5; ++i) {
    CHECK(LoginFrom(*f, "198.51.100.20", "teacher@school.ru", kPassword, &pair).ok());
  }
  f->clock().Advance(absl::Seconds(1));
  CHECK(LoginFrom(*f, "203.0.113.7", "teacher@school.ru", kPassword, &pair).ok());
}

TEST_CASE("A revocation is published: Redis marks the session, the stream carries the event, "
          "and a late reader catches up from the outbox", "[identity][integration]") {
  PARTA_IDENTITY_FIXTURE(f);
  REQUIRE(f->Register("teacher@school.ru").ok());
  v1::TokenPair pair;
  REQUIRE(f->Login("teacher@school.ru", &pair).ok());
  v1::LogoutResponse out;
  REQUIRE(f->stub().Logout(IdentityFixture::Context(pair.access_token()).get(), {}, &out).ok());
  REQUIRE(f->app().RelayEvents().ok());

  redis::Pool redis_pool({.endpoint = *redis::Endpoint::Parse(f->config().redis_uri)});
  auth::RedisRevocationList revocations(redis_pool);
  CHECK(*revocations.IsRevoked(pair.session_id()));

  absl::StatusOr<std::vector<Event>> events =
      pg::ReadOutbox(f->pool(), std::string(kSessionsStream), 0, 10);
  REQUIRE(events.ok());
  REQUIRE(events->size() == 1);
  v1::SessionRevoked revoked;
  REQUIRE(revoked.ParseFromString((*events)[0].payload));
  CHECK(revoked.session_id() == pair.session_id());
  CHECK(revoked.reason() == "logout");
  CHECK((*events)[0].type == "parta.identity.v1.SessionRevoked");

  // A gateway reads the stream; one that starts late catches up from the outbox.
  auto catch_up = [&](const std::string& stream, int64_t after, int limit) {
    return pg::ReadOutbox(f->pool(), stream, after, limit);
  };
  std::vector<std::string> from_stream;
  redis::EventConsumer reader(redis_pool, f->config().events_key, catch_up, [&](const Event& event) {
    v1::SessionRevoked seen;
    if (seen.ParseFromString(event.payload)) from_stream.push_back(seen.session_id());
    return absl::OkStatus();
  });
  REQUIRE(reader.Poll(absl::Milliseconds(10)).ok());
  CHECK(from_stream == std::vector<std::string>{pair.session_id()});

  v1::TokenPair second;
  REQUIRE(f->Login("teacher@school.ru", &second).ok());
  REQUIRE(f->stub().Logout(IdentityFixture::Context(second.access_token()).get(), {}, &out).ok());
  std::vector<int64_t> late;
  redis::EventConsumer late_reader(redis_pool, "parta:events:nothing-relayed-here", catch_up,
                                   [&](const Event& event) {
                                     late.push_back(event.sequence);
                                     return absl::OkStatus();
                                   });
  REQUIRE(late_reader.CatchUpStream(std::string(kSessionsStream)).ok());
  CHECK(late == std::vector<int64_t>{1, 2});  // the second event, not yet relayed, included
}

TEST_CASE("Parallel wrong guesses on one login are counted one by one", "[identity][integration]") {
  PARTA_IDENTITY_FIXTURE(f, [](IdentityConfig& config) {
    config.identity.login_protection.free_attempts = 2;
    config.identity.login_protection.base_delay = absl::Minutes(1);
  });
  REQUIRE(f->Register("teacher@school.ru").ok());
  std::atomic<int> heard{0}, throttled{0};
  std::vector<std::thread> guessers;
  for (int i = 0; i < 8; ++i) {
    guessers.emplace_back([&, i] {
      v1::TokenPair pair;
      std::string reason =
          ReasonOf(f->Login("teacher@school.ru", &pair, "Guess number " + std::to_string(i) + " x"));
      if (reason == "INVALID_CREDENTIALS") heard.fetch_add(1);
      if (reason == "LOGIN_THROTTLED") throttled.fetch_add(1);
    });
  }
  for (std::thread& guesser : guessers) guesser.join();
  // Two free attempts and the one that started the delay; the rest wait.
  CHECK(heard.load() == 3);
  CHECK(throttled.load() == 5);
}

TEST_CASE("create-operator promotes an existing account or creates one from stdin",
          "[identity][integration]") {
  PARTA_IDENTITY_FIXTURE(f);
  v1::Account existing;
  REQUIRE(f->Register("head@school.ru", &existing).ok());
  std::istringstream no_password("");
  REQUIRE(CreateOperator(f->config(), "HEAD@school.ru", no_password).ok());

  std::istringstream password("Операторский пароль на века 2026\n");
  REQUIRE(CreateOperator(f->config(), "+7 916 000-11-22", password).ok());
  std::istringstream weak("password1234\n");
  absl::Status refused = CreateOperator(f->config(), "weak@parta.ru", weak);
  CHECK(parta::ReasonOf(refused) == "WEAK_PASSWORD");

  v1::TokenPair pair;
  REQUIRE(f->Login("head@school.ru", &pair).ok());
  absl::StatusOr<auth::Claims> claims = auth::VerifyToken(
      pair.access_token(), *f->app().key_ring().FetchKeys(),
      {.issuer = "parta-identity", .audience = "parta"}, f->clock().Now());
  REQUIRE(claims.ok());
  CHECK(claims->is_operator);
  REQUIRE(f->Login("+79160001122", &pair, "Операторский пароль на века 2026").ok());
  CHECK(auth::VerifyToken(pair.access_token(), *f->app().key_ring().FetchKeys(),
                          {.issuer = "parta-identity", .audience = "parta"}, f->clock().Now())
            ->is_operator);
}

TEST_CASE("The purge deletes expired refresh tokens and dead sessions, and a purged session "
          "stays revoked", "[identity][integration]") {
  PARTA_IDENTITY_FIXTURE(f);
  REQUIRE(f->Register("teacher@school.ru").ok());
  v1::TokenPair old_pair, fresh_pair;
  REQUIRE(f->Login("teacher@school.ru", &old_pair).ok());
  f->clock().Advance(absl::Hours(24 * 31));
  REQUIRE(f->app().key_ring().Maintain().ok());  // a month on, another key signs
  REQUIRE(f->Login("teacher@school.ru", &fresh_pair).ok());
  absl::StatusOr<int64_t> deleted = f->app().PurgeExpired();
  REQUIRE(deleted.ok());
  // The old session and its refresh token: deleted here, or by the service's own purge, which
  // runs once when it starts and may start late on a busy machine. What is left tells.
  CHECK(*deleted <= 2);
  CHECK(Count(f->pool(), "SELECT count(*) FROM sessions") == 1);
  CHECK(Count(f->pool(), "SELECT count(*) FROM refresh_tokens") == 1);

  v1::RefreshRequest request;
  request.set_refresh_token(old_pair.refresh_token());
  v1::RefreshResponse renewed;
  CHECK(ReasonOf(f->stub().Refresh(IdentityFixture::Context().get(), request, &renewed)) ==
        "INVALID_REFRESH_TOKEN");
  request.set_refresh_token(fresh_pair.refresh_token());
  CHECK(f->stub().Refresh(IdentityFixture::Context().get(), request, &renewed).ok());
}

}  // namespace
}  // namespace parta::identity
