#include "libs/identity_client/key_source.h"

#include "libs/grpc/client.h"
#include "libs/grpc/status.h"

namespace parta::identity_client {

IdentityKeySource::IdentityKeySource(std::shared_ptr<::grpc::Channel> channel,
                                     absl::Duration timeout)
    : stub_(parta::identity::v1::IdentityService::NewStub(std::move(channel))), timeout_(timeout) {}

absl::StatusOr<auth::KeySet> IdentityKeySource::FetchKeys() {
  auto context = grpc::MakeClientContext({.timeout = timeout_});
  parta::identity::v1::GetSigningKeysResponse response;
  ::grpc::Status status = stub_->GetSigningKeys(context.get(), {}, &response);
  if (!status.ok()) return grpc::FromGrpcStatus(status);
  return auth::KeySetFromJwks(response.jwks_json());
}

}  // namespace parta::identity_client
