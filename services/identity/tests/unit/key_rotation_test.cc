#include <catch2/catch.hpp>

#include "libs/core/random.h"
#include "services/identity/domain/key_ring.h"

namespace parta::identity {
namespace {

class CountingIds final : public IdGenerator {
 public:
  std::string NewId() override { return "k" + std::to_string(++next_); }

 private:
  int next_ = 0;
};

const absl::Time kStart = absl::FromUnixSeconds(1'800'000'000);

KeyRotationPolicy Policy() {
  return {.rotation = absl::Hours(24), .publish_ahead = absl::Hours(1),
          .token_lifetime = absl::Minutes(15), .leeway = absl::Seconds(30)};
}

void Apply(std::vector<SigningKeyRecord>& keys, const KeyChanges& changes) {
  for (const std::string& kid : changes.remove) {
    std::erase_if(keys, [&](const SigningKeyRecord& key) { return key.kid == kid; });
  }
  keys.insert(keys.end(), changes.add.begin(), changes.add.end());
}

TEST_CASE("The first key signs at once", "[identity][unit]") {
  CountingIds ids;
  KeyChanges changes = PlanKeyRotation({}, kStart, Policy(), ids);
  REQUIRE(changes.add.size() == 1);
  CHECK(changes.add[0].activates_at == kStart);
  CHECK(changes.add[0].retires_at == kStart + absl::Hours(24));
  CHECK(changes.add[0].expires_at == kStart + absl::Hours(24) + absl::Seconds(15 * 60 + 30));
  CHECK(changes.add[0].private_key.size() == 32);
  CHECK(changes.remove.empty());
}

TEST_CASE("A successor is published ahead, signs at retirement, and the old key stays until "
          "its tokens expire", "[identity][unit]") {
  CountingIds ids;
  std::vector<SigningKeyRecord> keys;
  Apply(keys, PlanKeyRotation(keys, kStart, Policy(), ids));

  // Mid-life: nothing to do.
  CHECK(PlanKeyRotation(keys, kStart + absl::Hours(12), Policy(), ids).add.empty());

  // Within publish_ahead of retirement: the successor is created, not yet signing.
  absl::Time t = kStart + absl::Hours(23) + absl::Minutes(1);
  KeyChanges changes = PlanKeyRotation(keys, t, Policy(), ids);
  REQUIRE(changes.add.size() == 1);
  CHECK(changes.add[0].activates_at == kStart + absl::Hours(24));
  Apply(keys, changes);
  CHECK(PlanKeyRotation(keys, t + absl::Minutes(1), Policy(), ids).add.empty());

  // After retirement the old key is still published until every token it signed has expired.
  CHECK(PlanKeyRotation(keys, kStart + absl::Hours(24) + absl::Minutes(5), Policy(), ids)
            .remove.empty());
  KeyChanges later =
      PlanKeyRotation(keys, kStart + absl::Hours(24) + absl::Minutes(16), Policy(), ids);
  CHECK(later.remove == std::vector<std::string>{"k1"});
}

TEST_CASE("After a long outage a new key signs at once", "[identity][unit]") {
  CountingIds ids;
  std::vector<SigningKeyRecord> keys;
  Apply(keys, PlanKeyRotation(keys, kStart, Policy(), ids));
  absl::Time t = kStart + absl::Hours(72);
  KeyChanges changes = PlanKeyRotation(keys, t, Policy(), ids);
  REQUIRE(changes.add.size() == 1);
  CHECK(changes.add[0].activates_at == t);
  CHECK(changes.remove == std::vector<std::string>{"k1"});
}

}  // namespace
}  // namespace parta::identity
