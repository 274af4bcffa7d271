#pragma once

// Password hashing with argon2id (libsodium) on a bounded pool. Each hash holds its memory
// (19 MiB by default), so at most `threads` run at once and at most `queue` wait; beyond that
// callers get RESOURCE_EXHAUSTED at once instead of exhausting memory.

#include <cstddef>
#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
#include "libs/core/executor.h"

namespace parta::auth {

class PasswordHasher {
 public:
  struct Options {
    uint64_t ops_limit = 2;                   // argon2id iterations (t)
    size_t mem_limit_bytes = 19 * 1024 * 1024;  // memory (m)
    size_t threads = 2;
    size_t queue = 64;
  };

  explicit PasswordHasher(Options options);

  // An encoded `$argon2id$…` string with a fresh salt. Blocks until done.
  absl::StatusOr<std::string> Hash(absl::string_view password);
  // Whether `password` matches `encoded`. Blocks until done.
  absl::StatusOr<bool> Verify(absl::string_view encoded, absl::string_view password);
  // Spends the time of one Verify against a dummy hash: used for unknown accounts, so that an
  // unknown login and a wrong password take similar time.
  absl::Status VerifyDummy(absl::string_view password);

  void Stop() { pool_.Stop(); }

 private:
  template <typename T, typename F>
  absl::StatusOr<T> RunOnPool(F work);

  const Options options_;
  std::string dummy_hash_;
  BoundedExecutor pool_;
};

}  // namespace parta::auth
