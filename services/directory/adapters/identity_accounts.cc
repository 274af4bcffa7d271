#include "services/directory/adapters/identity_accounts.h"

#include "google/protobuf/util/time_util.h"
#include "libs/core/status.h"
#include "libs/grpc/client.h"
#include "libs/grpc/status.h"

namespace parta::directory {
namespace {

namespace identity_v1 = parta::identity::v1;

// CreateManagedAccountsResponse and IssueLoginCodesResponse: the same `accounts`.
template <typename Response>
std::vector<ManagedAccount> FromResponse(const Response& r) {
  std::vector<ManagedAccount> accounts;
  for (const identity_v1::ManagedAccountCredentials& c : r.accounts()) {
    accounts.push_back(
        {.account_id = c.account().id(),
         .username = c.account().username(),
         .login_code = c.login_code(),
         .code_expires_at = absl::FromUnixSeconds(
             google::protobuf::util::TimeUtil::TimestampToSeconds(c.code_expire_time())),
         .created = c.created()});
  }
  return accounts;
}

}  // namespace

IdentityAccounts::IdentityAccounts(std::shared_ptr<::grpc::Channel> channel,
                                   identity_client::ServiceTokenSource* tokens,
                                   absl::Duration timeout)
    : stub_(identity_v1::IdentityService::NewStub(std::move(channel))),
      tokens_(tokens),
      timeout_(timeout) {}

absl::StatusOr<std::unique_ptr<::grpc::ClientContext>> IdentityAccounts::Context() {
  if (!tokens_) {
    return Error(absl::StatusCode::kFailedPrecondition, "IDENTITY_CLIENT_NOT_CONFIGURED",
                 "the directory has no client credentials for the identity service");
  }
  absl::StatusOr<std::string> token = tokens_->Token();
  if (!token.ok()) {
    // The directory's own credentials failing is the deployment's problem, never the caller's.
    if (token.status().code() == absl::StatusCode::kUnavailable ||
        token.status().code() == absl::StatusCode::kDeadlineExceeded) {
      return Unavailable("IDENTITY_UNAVAILABLE", "the identity service cannot be reached");
    }
    return Error(absl::StatusCode::kFailedPrecondition, "IDENTITY_CLIENT_REJECTED",
                 "the identity service refused the directory's client credentials");
  }
  return grpc::MakeClientContext({.timeout = timeout_, .bearer_token = *token});
}

absl::StatusOr<std::vector<ManagedAccount>> IdentityAccounts::CreateManagedAccounts(
    const std::vector<NewAccount>& accounts) {
  identity_v1::CreateManagedAccountsRequest request;
  for (const NewAccount& account : accounts) {
    identity_v1::NewManagedAccount& out = *request.add_accounts();
    out.set_display_name(account.display_name);
    out.set_external_key(account.external_key);
  }
  ASSIGN_OR_RETURN(auto context, Context());
  identity_v1::CreateManagedAccountsResponse response;
  ::grpc::Status status = stub_->CreateManagedAccounts(context.get(), request, &response);
  if (!status.ok()) return grpc::FromGrpcStatus(status);
  return FromResponse(response);
}

absl::StatusOr<std::vector<ManagedAccount>> IdentityAccounts::IssueLoginCodes(
    const std::vector<std::string>& account_ids) {
  identity_v1::IssueLoginCodesRequest request;
  for (const std::string& id : account_ids) request.add_account_ids(id);
  ASSIGN_OR_RETURN(auto context, Context());
  identity_v1::IssueLoginCodesResponse response;
  ::grpc::Status status = stub_->IssueLoginCodes(context.get(), request, &response);
  if (!status.ok()) return grpc::FromGrpcStatus(status);
  return FromResponse(response);
}

absl::Status IdentityAccounts::ConfirmBySchool(const std::string& account_id) {
  identity_v1::RaiseVerificationLevelRequest request;
  request.set_account_id(account_id);
  request.set_level(identity_v1::VERIFICATION_LEVEL_SCHOOL_CONFIRMED);
  ASSIGN_OR_RETURN(auto context, Context());
  identity_v1::RaiseVerificationLevelResponse response;
  ::grpc::Status status = stub_->RaiseVerificationLevel(context.get(), request, &response);
  if (!status.ok()) return grpc::FromGrpcStatus(status);
  return absl::OkStatus();
}

namespace {

// Identity refusing the directory's own token, or out of reach, is the deployment's problem and
// never the caller's answer: named so, instead of passing on PERMISSION_DENIED or a bare
// UNAVAILABLE.
absl::Status IdentityFailure(const ::grpc::Status& status) {
  switch (status.error_code()) {
    case ::grpc::StatusCode::UNAUTHENTICATED:
    case ::grpc::StatusCode::PERMISSION_DENIED:
      return Error(absl::StatusCode::kFailedPrecondition, "IDENTITY_CLIENT_REJECTED",
                   "the identity service refused the directory's client credentials");
    case ::grpc::StatusCode::UNAVAILABLE:
    case ::grpc::StatusCode::DEADLINE_EXCEEDED:
      return Unavailable("IDENTITY_UNAVAILABLE", "the identity service cannot be reached");
    default:
      return grpc::FromGrpcStatus(status);
  }
}

}  // namespace

absl::StatusOr<VerificationLevel> IdentityAccounts::VerificationLevelOf(
    const std::string& account_id) {
  identity_v1::GetAccountRequest request;
  request.set_account_id(account_id);
  ASSIGN_OR_RETURN(auto context, Context());
  identity_v1::GetAccountResponse response;
  ::grpc::Status status = stub_->GetAccount(context.get(), request, &response);
  if (status.error_code() == ::grpc::StatusCode::NOT_FOUND) return VerificationLevel::kNone;
  if (!status.ok()) return IdentityFailure(status);
  switch (response.account().verification_level()) {
    case identity_v1::VERIFICATION_LEVEL_GOVERNMENT_VERIFIED:
      return VerificationLevel::kGovernmentVerified;
    case identity_v1::VERIFICATION_LEVEL_SCHOOL_CONFIRMED:
      return VerificationLevel::kSchoolConfirmed;
    default:
      return VerificationLevel::kNone;
  }
}

absl::StatusOr<GovernmentChild> IdentityAccounts::GovernmentChildOf(const std::string& parent_id,
                                                                   const std::string& child_id) {
  identity_v1::GetEsiaChildRequest request;
  request.set_account_id(parent_id);
  request.set_child_id(child_id);
  ASSIGN_OR_RETURN(auto context, Context());
  identity_v1::GetEsiaChildResponse response;
  ::grpc::Status status = stub_->GetEsiaChild(context.get(), request, &response);
  if (!status.ok()) return IdentityFailure(status);
  const identity_v1::EsiaChild& child = response.child();
  return GovernmentChild{.id = child.id(),
                         .last_name = child.last_name(),
                         .first_name = child.first_name(),
                         .middle_name = child.middle_name(),
                         .birth_date = child.birth_date()};
}

absl::StatusOr<absl::Time> IdentityAccounts::RequestErasure(const std::string& account_id,
                                                            const std::string& requested_by,
                                                            const std::string& reason,
                                                            const std::string& client_address) {
  identity_v1::RequestErasureOnBehalfRequest request;
  request.set_account_id(account_id);
  request.set_requested_by(requested_by);
  request.set_reason(reason);
  request.set_client_address(client_address);
  ASSIGN_OR_RETURN(auto context, Context());
  identity_v1::RequestErasureOnBehalfResponse response;
  ::grpc::Status status = stub_->RequestErasureOnBehalf(context.get(), request, &response);
  if (!status.ok()) return IdentityFailure(status);
  return absl::FromUnixMicros(
      google::protobuf::util::TimeUtil::TimestampToMicroseconds(response.erase_time()));
}

}  // namespace parta::directory
