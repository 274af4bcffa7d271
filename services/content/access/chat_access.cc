#include "services/content/access/chat_access.h"

#include "absl/strings/str_cat.h"
#include "libs/core/status.h"
#include "libs/grpc/client.h"
#include "libs/grpc/status.h"

namespace parta::content {

MessagingChatAccess::MessagingChatAccess(std::function<std::string()> address)
    : address_(std::move(address)) {}

messaging::v1::MessagingService::Stub& MessagingChatAccess::Stub() {
  std::call_once(once_, [this] {
    stub_ = messaging::v1::MessagingService::NewStub(grpc::MakeChannel(address_()));
  });
  return *stub_;
}

absl::StatusOr<bool> MessagingChatAccess::MayRead(const std::string& token,
                                                  const std::string& version_id) {
  messaging::v1::CheckAttachmentAccessRequest request;
  request.set_version_id(version_id);
  messaging::v1::CheckAttachmentAccessResponse response;
  auto context = grpc::MakeClientContext({.timeout = absl::Seconds(5), .bearer_token = token});
  const ::grpc::Status status = Stub().CheckAttachmentAccess(context.get(), request, &response);
  if (status.ok()) return response.readable();
  if (status.error_code() == ::grpc::StatusCode::UNAVAILABLE ||
      status.error_code() == ::grpc::StatusCode::DEADLINE_EXCEEDED) {
    return Unavailable("MESSAGING_UNAVAILABLE",
                       absl::StrCat("messaging did not answer: ", status.error_message()));
  }
  return grpc::FromGrpcStatus(status);
}

}  // namespace parta::content
