#pragma once

// Where every service except identity gets the keys that verify access tokens: identity's
// GetSigningKeys (JWKS) over gRPC. The TokenVerifier calls it on its refresh schedule and, rate
// limited, when a token names an unknown key id.

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "libs/auth/token_verifier.h"
#include "parta/identity/v1/identity.grpc.pb.h"

namespace parta::identity_client {

class IdentityKeySource final : public auth::KeySource {
 public:
  IdentityKeySource(std::shared_ptr<::grpc::Channel> channel, absl::Duration timeout);

  // UNAVAILABLE (or the call's status) when identity cannot answer; INVALID_ARGUMENT
  // (INVALID_JWKS) when its answer is not a key set.
  absl::StatusOr<auth::KeySet> FetchKeys() override;

 private:
  std::unique_ptr<parta::identity::v1::IdentityService::Stub> stub_;
  const absl::Duration timeout_;
};

}  // namespace parta::identity_client
