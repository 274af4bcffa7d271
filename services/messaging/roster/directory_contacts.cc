#include "services/messaging/roster/directory_contacts.h"

#include "absl/strings/str_cat.h"
#include "libs/core/status.h"
#include "libs/grpc/client.h"
#include "libs/grpc/status.h"

namespace parta::messaging {

absl::StatusOr<bool> DirectoryContacts::MayContact(const std::string& school_id,
                                                   const std::string& subject,
                                                   const std::string& user_id) {
  ASSIGN_OR_RETURN(std::string token, tokens_());
  directory::v1::CheckSubjectPermissionRequest request;
  request.set_subject(subject);
  request.set_permission("member.contact");
  request.set_resource(absl::StrCat("schools/", school_id, "/members/", user_id));
  directory::v1::CheckSubjectPermissionResponse response;
  auto context = grpc::MakeClientContext({.timeout = absl::Seconds(3), .bearer_token = token});
  ::grpc::Status status = stub_->CheckSubjectPermission(context.get(), request, &response);
  // A school or person the subject does not know is simply not contactable.
  if (status.error_code() == ::grpc::StatusCode::NOT_FOUND ||
      status.error_code() == ::grpc::StatusCode::PERMISSION_DENIED) {
    return false;
  }
  RETURN_IF_ERROR(grpc::FromGrpcStatus(status));
  return response.allowed();
}

}  // namespace parta::messaging
