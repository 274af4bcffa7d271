#include "services/gateway/auth/authenticator.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "libs/core/status.h"

namespace parta::gateway {

absl::StatusOr<std::optional<std::string>> BearerToken(absl::string_view authorization) {
  if (authorization.empty()) return std::optional<std::string>();
  constexpr absl::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size() ||
      !absl::StartsWithIgnoreCase(authorization, kScheme)) {
    return Unauthenticated("MALFORMED_TOKEN", "authorization must be a Bearer token");
  }
  absl::string_view token = absl::StripAsciiWhitespace(authorization.substr(kScheme.size()));
  if (token.empty()) return Unauthenticated("MALFORMED_TOKEN", "the Bearer token is empty");
  return std::optional<std::string>(std::string(token));
}

void Authenticator::Authenticate(std::string token, Done done) {
  if (std::optional<absl::StatusOr<auth::Claims>> cached = verifier_.VerifyFromCache(token)) {
    return done(*std::move(cached));
  }
  auto shared_done = std::make_shared<Done>(std::move(done));
  const bool queued = executor_.TrySubmit([this, token = std::move(token), shared_done] {
    (*shared_done)(verifier_.Verify(token));
  });
  if (!queued) {
    (*shared_done)(WithRetryAfter(Unavailable("OVERLOADED", "the gateway is overloaded"),
                                  absl::Seconds(1)));
  }
}

}  // namespace parta::gateway
