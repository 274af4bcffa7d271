#include <catch2/catch.hpp>

#include <set>

#include "libs/auth/token_verifier.h"
#include "libs/core/status.h"

namespace parta::auth {
namespace {

class FakeKeySource final : public KeySource {
 public:
  absl::StatusOr<KeySet> FetchKeys() override {
    ++fetches;
    if (!available) return absl::UnavailableError("down");
    return keys;
  }
  KeySet keys;
  bool available = true;
  int fetches = 0;
};

class FakeRevocations final : public RevocationList {
 public:
  absl::StatusOr<bool> IsRevoked(absl::string_view session_id) override {
    if (!available) return absl::UnavailableError("down");
    return revoked.contains(std::string(session_id));
  }
  std::set<std::string> revoked;
  bool available = true;
};

struct Fixture {
  FakeClock clock;
  FakeKeySource source;
  FakeRevocations revocations;
  Ed25519PrivateKey key = Ed25519PrivateKey::Generate();
  TokenVerifier verifier;

  explicit Fixture(absl::Duration revocation_cache_ttl = absl::ZeroDuration(),
                   absl::Duration outage_grace = absl::ZeroDuration())
      : verifier(source, &revocations, clock,
                 {.verify = {.issuer = "iss", .audience = "aud"},
                  .revocation_cache_ttl = revocation_cache_ttl,
                  .revocation_outage_grace = outage_grace}) {
    source.keys.emplace("k1", key.PublicKey());
  }

  std::string Token(absl::string_view kid = "k1", absl::Duration lifetime = absl::Minutes(15),
                    const Ed25519PrivateKey* with = nullptr) {
    Claims claims{.issuer = "iss", .audience = "aud", .subject = "a", .session_id = "s",
                  .token_id = "j", .issued_at = clock.Now(), .not_before = clock.Now(),
                  .expires_at = clock.Now() + lifetime};
    return SignToken(with ? *with : key, kid, claims);
  }
};

TEST_CASE("TokenVerifier verifies once and serves repeats from its cache", "[auth][unit]") {
  Fixture f;
  std::string token = f.Token();
  REQUIRE(f.verifier.Verify(token).ok());
  f.source.keys.clear();  // a cached token no longer needs the key
  REQUIRE(f.verifier.Verify(token).ok());
  CHECK(f.source.fetches == 1);
}

TEST_CASE("A cached token still expires", "[auth][unit]") {
  Fixture f;
  std::string token = f.Token("k1", absl::Minutes(1));
  REQUIRE(f.verifier.Verify(token).ok());
  f.clock.Advance(absl::Minutes(2));
  CHECK(ReasonOf(f.verifier.Verify(token).status()) == "TOKEN_EXPIRED");
}

TEST_CASE("A revoked session is refused and a failing revocation list denies", "[auth][unit]") {
  Fixture f;
  std::string token = f.Token();
  REQUIRE(f.verifier.Verify(token).ok());
  f.revocations.revoked.insert("s");
  CHECK(ReasonOf(f.verifier.Verify(token).status()) == "SESSION_REVOKED");
  f.revocations.revoked.clear();
  f.revocations.available = false;
  CHECK(f.verifier.Verify(token).status().code() == absl::StatusCode::kUnavailable);
}

TEST_CASE("An unknown key id triggers a rate-limited refetch", "[auth][unit]") {
  Fixture f;
  REQUIRE(f.verifier.Verify(f.Token()).ok());
  Ed25519PrivateKey next = Ed25519PrivateKey::Generate();
  f.source.keys.emplace("k2", next.PublicKey());
  // Just fetched: a token of the new key is refused until the refetch interval passes.
  CHECK(ReasonOf(f.verifier.Verify(f.Token("k2", absl::Minutes(15), &next)).status()) ==
        "UNKNOWN_KEY");
  f.clock.Advance(absl::Seconds(11));
  CHECK(f.verifier.Verify(f.Token("k2", absl::Minutes(15), &next)).ok());
  CHECK(f.source.fetches == 2);
}

TEST_CASE("A removed key stops verifying new tokens after the refresh", "[auth][unit]") {
  Fixture f;
  REQUIRE(f.verifier.Verify(f.Token()).ok());
  f.source.keys.clear();
  f.clock.Advance(absl::Minutes(6));
  CHECK(ReasonOf(f.verifier.Verify(f.Token()).status()) == "UNKNOWN_KEY");
}

TEST_CASE("Without any keys nothing verifies, and keys are fetched once the source is back",
          "[auth][unit]") {
  Fixture f;
  f.source.available = false;
  CHECK(f.verifier.Verify(f.Token()).status().code() == absl::StatusCode::kUnavailable);
  CHECK(f.verifier.Verify(f.Token()).status().code() == absl::StatusCode::kUnavailable);
  f.source.available = true;
  CHECK(f.verifier.Verify(f.Token()).status().code() == absl::StatusCode::kUnavailable);
  f.clock.Advance(absl::Seconds(11));
  CHECK(f.verifier.Verify(f.Token()).ok());
}

TEST_CASE("With a revocation cache a revocation is seen once the cached answer expires",
          "[auth][unit]") {
  Fixture f(absl::Seconds(1));
  std::string token = f.Token();
  REQUIRE(f.verifier.Verify(token).ok());
  f.revocations.revoked.insert("s");
  CHECK(f.verifier.Verify(token).ok());  // within the cache's second
  f.clock.Advance(absl::Milliseconds(1500));  // the TTL plus its largest jitter
  CHECK(ReasonOf(f.verifier.Verify(token).status()) == "SESSION_REVOKED");
}

TEST_CASE("During a revocation-list outage, sessions confirmed within the grace still pass",
          "[auth][unit]") {
  Fixture f(absl::ZeroDuration(), absl::Minutes(2));
  std::string token = f.Token();
  REQUIRE(f.verifier.Verify(token).ok());  // confirmed now
  f.revocations.available = false;
  f.clock.Advance(absl::Minutes(1));
  CHECK(f.verifier.Verify(token).ok());
  f.clock.Advance(absl::Minutes(2));  // beyond the grace
  CHECK(ReasonOf(f.verifier.Verify(token).status()) == "REVOCATION_UNAVAILABLE");
  // A session never confirmed is refused at once.
  Claims other{.issuer = "iss",
               .audience = "aud",
               .subject = "b",
               .session_id = "s2",
               .token_id = "j2",
               .issued_at = f.clock.Now(),
               .not_before = f.clock.Now(),
               .expires_at = f.clock.Now() + absl::Minutes(15)};
  CHECK(ReasonOf(f.verifier.Verify(SignToken(f.key, "k1", other)).status()) ==
        "REVOCATION_UNAVAILABLE");
  // Back: revoked sessions are refused again.
  f.revocations.available = true;
  f.revocations.revoked.insert("s");
  CHECK(ReasonOf(f.verifier.Verify(token).status()) == "SESSION_REVOKED");
}

TEST_CASE("VerifyFromCache answers only what needs no I/O", "[auth][unit]") {
  Fixture f(absl::Seconds(1));
  std::string token = f.Token();
  CHECK_FALSE(f.verifier.VerifyFromCache(token).has_value());  // never seen
  REQUIRE(f.verifier.Verify(token).ok());
  auto cached = f.verifier.VerifyFromCache(token);
  REQUIRE(cached.has_value());
  CHECK(cached->ok());
  f.clock.Advance(absl::Seconds(2));  // the revocation answer is stale: ask again
  CHECK_FALSE(f.verifier.VerifyFromCache(token).has_value());
  f.clock.Advance(absl::Minutes(20));
  auto expired = f.verifier.VerifyFromCache(token);
  REQUIRE(expired.has_value());
  CHECK(ReasonOf(expired->status()) == "TOKEN_EXPIRED");
}

}  // namespace
}  // namespace parta::auth
