#include <catch2/catch.hpp>

#include <sodium.h>

#include <atomic>
#include <thread>
#include <vector>

#include "libs/auth/password_hasher.h"
#include "libs/core/status.h"

namespace parta::auth {
namespace {

PasswordHasher::Options Cheap() {
  return {.ops_limit = crypto_pwhash_OPSLIMIT_MIN, .mem_limit_bytes = 64 * 1024, .threads = 1,
          .queue = 4};
}

TEST_CASE("A password verifies against its own argon2id hash only", "[auth][unit]") {
  PasswordHasher hasher(Cheap());
  absl::StatusOr<std::string> hash = hasher.Hash("correct horse battery staple");
  REQUIRE(hash.ok());
  CHECK(hash->rfind("$argon2id$", 0) == 0);
  CHECK(*hasher.Verify(*hash, "correct horse battery staple"));
  CHECK_FALSE(*hasher.Verify(*hash, "correct horse battery stapler"));
  CHECK_FALSE(*hasher.Verify("not a hash", "x"));
  CHECK(hasher.VerifyDummy("anything").ok());
}

TEST_CASE("The hasher sheds load with RESOURCE_EXHAUSTED when its queue is full",
          "[auth][unit]") {
  PasswordHasher::Options options = Cheap();
  options.ops_limit = 4;
  options.mem_limit_bytes = 8 * 1024 * 1024;
  options.queue = 1;
  PasswordHasher hasher(options);
  std::atomic<int> exhausted{0};
  std::atomic<int> done{0};
  std::vector<std::thread> callers;
  for (int i = 0; i < 8; ++i) {
    callers.emplace_back([&] {
      absl::StatusOr<std::string> hash = hasher.Hash("a long enough password");
      if (hash.ok()) {
        done.fetch_add(1);
      } else if (ReasonOf(hash.status()) == "HASHING_OVERLOADED") {
        exhausted.fetch_add(1);
      }
    });
  }
  for (std::thread& caller : callers) caller.join();
  CHECK(done.load() + exhausted.load() == 8);
  CHECK(done.load() >= 1);
  CHECK(exhausted.load() >= 1);
}

}  // namespace
}  // namespace parta::auth
