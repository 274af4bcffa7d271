#pragma once

// The directory's AccountService over the identity service's internal RPCs, with the
// directory's own service token (client credentials PARTA_DIRECTORY_CLIENT_ID/_SECRET).

#include <grpcpp/grpcpp.h>

#include <memory>

#include "libs/identity_client/service_token.h"
#include "parta/identity/v1/identity.grpc.pb.h"
#include "services/directory/domain/ports.h"

namespace parta::directory {

class IdentityAccounts final : public AccountService {
 public:
  // `tokens` null: no client credentials are configured, and every call answers
  // FAILED_PRECONDITION (IDENTITY_CLIENT_NOT_CONFIGURED). Otherwise it outlives this.
  IdentityAccounts(std::shared_ptr<::grpc::Channel> channel,
                   identity_client::ServiceTokenSource* tokens,
                   absl::Duration timeout = absl::Seconds(10));

  absl::StatusOr<std::vector<ManagedAccount>> CreateManagedAccounts(
      const std::vector<NewAccount>& accounts) override;
  absl::StatusOr<std::vector<ManagedAccount>> IssueLoginCodes(
      const std::vector<std::string>& account_ids) override;
  absl::Status ConfirmBySchool(const std::string& account_id) override;
  absl::StatusOr<VerificationLevel> VerificationLevelOf(const std::string& account_id) override;
  absl::StatusOr<GovernmentChild> GovernmentChildOf(const std::string& parent_id,
                                                    const std::string& child_id) override;
  absl::StatusOr<absl::Time> RequestErasure(const std::string& account_id,
                                            const std::string& requested_by,
                                            const std::string& reason,
                                            const std::string& client_address) override;

 private:
  absl::StatusOr<std::unique_ptr<::grpc::ClientContext>> Context();

  std::unique_ptr<parta::identity::v1::IdentityService::Stub> stub_;
  identity_client::ServiceTokenSource* const tokens_;
  const absl::Duration timeout_;
};

}  // namespace parta::directory
