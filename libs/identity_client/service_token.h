#pragma once

// A service's own access token (OAuth2 client credentials with identity's IssueServiceToken),
// fetched when first needed and again shortly before it expires. Thread-safe; callers on many
// threads share one token and at most one fetch runs at a time.

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/core/clock.h"
#include "parta/identity/v1/identity.grpc.pb.h"

namespace parta::identity_client {

class ServiceTokenSource {
 public:
  ServiceTokenSource(std::shared_ptr<::grpc::Channel> channel, std::string client_id,
                     std::string client_secret, const Clock& clock,
                     absl::Duration timeout = absl::Seconds(3));

  // The current token; the error of the grant when identity refuses or cannot be reached.
  absl::StatusOr<std::string> Token();

 private:
  std::unique_ptr<parta::identity::v1::IdentityService::Stub> stub_;
  const std::string client_id_;
  const std::string client_secret_;
  const Clock& clock_;
  const absl::Duration timeout_;
  absl::Mutex mu_;
  std::string token_ ABSL_GUARDED_BY(mu_);
  absl::Time renew_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace parta::identity_client
