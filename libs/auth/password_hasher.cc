#include "libs/auth/password_hasher.h"

#include <sodium.h>

#include <cstdlib>
#include <future>
#include <memory>

#include "libs/core/status.h"

namespace parta::auth {
namespace {

std::string HashNow(absl::string_view password, uint64_t ops, size_t mem) {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), ops, mem,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return "";
  }
  return std::string(out);
}

}  // namespace

PasswordHasher::PasswordHasher(Options options)
    : options_(options), pool_("pwhash", options.threads, options.queue) {
  if (sodium_init() < 0) std::abort();
  dummy_hash_ = HashNow("dummy password for timing", options_.ops_limit, options_.mem_limit_bytes);
}

template <typename T, typename F>
absl::StatusOr<T> PasswordHasher::RunOnPool(F work) {
  auto task = std::make_shared<std::packaged_task<absl::StatusOr<T>()>>(std::move(work));
  std::future<absl::StatusOr<T>> result = task->get_future();
  if (!pool_.TrySubmit([task] { (*task)(); })) {
    return ResourceExhausted("HASHING_OVERLOADED", "too many password checks at once; retry");
  }
  return result.get();
}

absl::StatusOr<std::string> PasswordHasher::Hash(absl::string_view password) {
  std::string copy(password);
  return RunOnPool<std::string>([this, copy = std::move(copy)]() -> absl::StatusOr<std::string> {
    std::string hash = HashNow(copy, options_.ops_limit, options_.mem_limit_bytes);
    if (hash.empty()) return Internal("HASHING_FAILED", "password hashing ran out of memory");
    return hash;
  });
}

absl::StatusOr<bool> PasswordHasher::Verify(absl::string_view encoded, absl::string_view password) {
  std::string hash(encoded);
  std::string copy(password);
  return RunOnPool<bool>([hash = std::move(hash), copy = std::move(copy)]() -> absl::StatusOr<bool> {
    return crypto_pwhash_str_verify(hash.c_str(), copy.data(), copy.size()) == 0;
  });
}

absl::Status PasswordHasher::VerifyDummy(absl::string_view password) {
  return Verify(dummy_hash_, password).status();
}

}  // namespace parta::auth
