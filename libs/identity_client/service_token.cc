#include "libs/identity_client/service_token.h"

#include "google/protobuf/util/time_util.h"
#include "libs/grpc/client.h"
#include "libs/grpc/status.h"

namespace parta::identity_client {

ServiceTokenSource::ServiceTokenSource(std::shared_ptr<::grpc::Channel> channel,
                                       std::string client_id, std::string client_secret,
                                       const Clock& clock, absl::Duration timeout)
    : stub_(parta::identity::v1::IdentityService::NewStub(std::move(channel))),
      client_id_(std::move(client_id)),
      client_secret_(std::move(client_secret)),
      clock_(clock),
      timeout_(timeout) {}

absl::StatusOr<std::string> ServiceTokenSource::Token() {
  absl::MutexLock lock(&mu_);
  absl::Time now = clock_.Now();
  if (now < renew_at_) return token_;
  parta::identity::v1::IssueServiceTokenRequest request;
  request.set_client_id(client_id_);
  request.set_client_secret(client_secret_);
  // No scopes asked for: the token carries every scope the client was granted.
  parta::identity::v1::IssueServiceTokenResponse response;
  auto context = grpc::MakeClientContext({.timeout = timeout_});
  ::grpc::Status status = stub_->IssueServiceToken(context.get(), request, &response);
  if (!status.ok()) return grpc::FromGrpcStatus(status);
  absl::Time expires = absl::FromUnixSeconds(
      google::protobuf::util::TimeUtil::TimestampToSeconds(response.expire_time()));
  token_ = response.access_token();
  // Renewed when two thirds of its life are gone: well before it expires anywhere.
  renew_at_ = now + (expires - now) * 2 / 3;
  return token_;
}

}  // namespace parta::identity_client
