#include "services/content/access/school_access.h"

#include "absl/strings/str_cat.h"
#include "libs/core/status.h"
#include "libs/grpc/client.h"
#include "libs/grpc/status.h"

namespace parta::content {

absl::StatusOr<bool> DirectorySchoolAccess::AllowedOn(const std::string& token,
                                                      const std::string& resource,
                                                      const std::string& permission) {
  std::call_once(once_, [this] {
    stub_ = directory::v1::DirectoryService::NewStub(grpc::MakeChannel(address_));
  });
  directory::v1::CheckPermissionRequest request;
  request.set_permission(permission);
  request.set_resource(resource);
  directory::v1::CheckPermissionResponse response;
  auto context = grpc::MakeClientContext({.timeout = absl::Seconds(5), .bearer_token = token});
  const ::grpc::Status status = stub_->CheckPermission(context.get(), request, &response);
  if (status.ok()) return response.allowed();
  if (status.error_code() == ::grpc::StatusCode::UNAVAILABLE ||
      status.error_code() == ::grpc::StatusCode::DEADLINE_EXCEEDED) {
    return Unavailable("DIRECTORY_UNAVAILABLE",
                       absl::StrCat("the directory did not answer: ", status.error_message()));
  }
  // An unknown school is simply one the caller may do nothing in.
  if (status.error_code() == ::grpc::StatusCode::NOT_FOUND) return false;
  return grpc::FromGrpcStatus(status);
}

}  // namespace parta::content
