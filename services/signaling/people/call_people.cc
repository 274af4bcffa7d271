#include "services/signaling/people/call_people.h"

#include "absl/strings/str_cat.h"
#include "libs/core/status.h"
#include "libs/grpc/client.h"
#include "libs/grpc/status.h"

namespace parta::signaling {
namespace {

constexpr absl::Duration kTimeout = absl::Seconds(3);

// A service's refusals pass through with their reasons; its absence is ours to name.
absl::Status From(const ::grpc::Status& status, const char* unavailable_reason,
                  absl::string_view service) {
  if (status.error_code() == ::grpc::StatusCode::UNAVAILABLE ||
      status.error_code() == ::grpc::StatusCode::DEADLINE_EXCEEDED) {
    return Unavailable(unavailable_reason,
                       absl::StrCat(service, " did not answer: ", status.error_message()));
  }
  return grpc::FromGrpcStatus(status);
}

}  // namespace

CallPeople::CallPeople(std::shared_ptr<::grpc::Channel> directory,
                       std::shared_ptr<::grpc::Channel> identity, TokenSource service_tokens)
    : directory_(directory::v1::DirectoryService::NewStub(std::move(directory))),
      identity_(identity::v1::IdentityService::NewStub(std::move(identity))),
      service_tokens_(std::move(service_tokens)) {}

absl::StatusOr<bool> CallPeople::AdministersSchool(const std::string& bearer,
                                                   const std::string& school_id) {
  directory::v1::CheckPermissionRequest request;
  request.set_permission("school.members.manage");  // admins only
  request.set_resource(absl::StrCat("schools/", school_id));
  directory::v1::CheckPermissionResponse response;
  auto context = grpc::MakeClientContext({.timeout = kTimeout, .bearer_token = bearer});
  RETURN_IF_ERROR(From(directory_->CheckPermission(context.get(), request, &response),
                       "DIRECTORY_UNAVAILABLE", "the directory"));
  return response.allowed();
}

absl::StatusOr<directory::v1::School> CallPeople::SchoolOf(const std::string& bearer,
                                                           const std::string& school_id) {
  directory::v1::GetSchoolRequest request;
  request.set_school_id(school_id);
  directory::v1::GetSchoolResponse response;
  auto context = grpc::MakeClientContext({.timeout = kTimeout, .bearer_token = bearer});
  RETURN_IF_ERROR(From(directory_->GetSchool(context.get(), request, &response),
                       "DIRECTORY_UNAVAILABLE", "the directory"));
  return std::move(*response.mutable_school());
}

absl::StatusOr<std::string> CallPeople::DisplayName(const std::string& user_id) {
  ASSIGN_OR_RETURN(std::string token, service_tokens_());
  identity::v1::GetAccountRequest request;
  request.set_account_id(user_id);
  identity::v1::GetAccountResponse response;
  auto context = grpc::MakeClientContext({.timeout = kTimeout, .bearer_token = token});
  const ::grpc::Status status = identity_->GetAccount(context.get(), request, &response);
  if (status.error_code() == ::grpc::StatusCode::NOT_FOUND) return std::string();
  RETURN_IF_ERROR(From(status, "IDENTITY_UNAVAILABLE", "identity"));
  return response.account().display_name();
}

absl::StatusOr<GuestAccount> CallPeople::CreateGuest(const std::string& display_name,
                                                     absl::Duration valid_for) {
  ASSIGN_OR_RETURN(std::string token, service_tokens_());
  identity::v1::CreateGuestSessionRequest request;
  request.set_display_name(display_name);
  request.mutable_valid_for()->set_seconds(absl::ToInt64Seconds(valid_for));
  identity::v1::CreateGuestSessionResponse response;
  auto context = grpc::MakeClientContext({.timeout = kTimeout, .bearer_token = token});
  RETURN_IF_ERROR(From(identity_->CreateGuestSession(context.get(), request, &response),
                       "IDENTITY_UNAVAILABLE", "identity"));
  return GuestAccount{
      .user_id = response.account().id(),
      .access_token = response.access_token(),
      .refresh_token = response.refresh_token(),
      .expires_at = absl::FromUnixSeconds(response.expire_time().seconds()) +
                    absl::Nanoseconds(response.expire_time().nanos())};
}

}  // namespace parta::signaling
