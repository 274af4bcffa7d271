#pragma once

// Bearer tokens of HTTP requests and WebSocket upgrades, verified locally (libs/auth): from the
// caches on the I/O thread when they can answer, otherwise on a small pool of threads, since a
// key fetch or a revocation lookup in Redis blocks. A failing cache never lets a request
// through: the verifier denies when it cannot tell.

#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/auth/token_verifier.h"
#include "libs/core/executor.h"

namespace parta::gateway {

// The token of an `Authorization` header: nullopt when the header is empty, UNAUTHENTICATED
// (MALFORMED_TOKEN) when it is not `Bearer <token>`.
absl::StatusOr<std::optional<std::string>> BearerToken(absl::string_view authorization);

class Authenticator {
 public:
  Authenticator(auth::TokenVerifier& verifier, BoundedExecutor& executor)
      : verifier_(verifier), executor_(executor) {}

  using Done = std::function<void(absl::StatusOr<auth::Claims>)>;

  // Calls `done` exactly once: inline when the caches answer, otherwise from the pool.
  // UNAVAILABLE (OVERLOADED) when the pool's queue is full.
  void Authenticate(std::string token, Done done);

  auth::TokenVerifier& verifier() { return verifier_; }

 private:
  auth::TokenVerifier& verifier_;
  BoundedExecutor& executor_;
};

}  // namespace parta::gateway
