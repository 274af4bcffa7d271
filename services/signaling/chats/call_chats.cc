#include "services/signaling/chats/call_chats.h"

#include "absl/strings/str_cat.h"
#include "libs/core/status.h"
#include "libs/grpc/client.h"
#include "libs/grpc/status.h"

namespace parta::signaling {
namespace {

constexpr absl::Duration kTimeout = absl::Seconds(3);

// Messaging's refusals pass through with their reasons; its absence is ours to name.
absl::Status FromMessaging(const ::grpc::Status& status) {
  if (status.error_code() == ::grpc::StatusCode::UNAVAILABLE ||
      status.error_code() == ::grpc::StatusCode::DEADLINE_EXCEEDED) {
    return Unavailable("MESSAGING_UNAVAILABLE",
                       absl::StrCat("messaging did not answer: ", status.error_message()));
  }
  return grpc::FromGrpcStatus(status);
}

}  // namespace

CallChats::CallChats(std::shared_ptr<::grpc::Channel> messaging, TokenSource service_tokens)
    : stub_(messaging::v1::MessagingService::NewStub(std::move(messaging))),
      service_tokens_(std::move(service_tokens)) {}

absl::StatusOr<messaging::v1::Chat> CallChats::ChatOf(const std::string& bearer,
                                                      const std::string& chat_id) {
  messaging::v1::GetChatRequest request;
  request.set_chat_id(chat_id);
  messaging::v1::GetChatResponse response;
  auto context = grpc::MakeClientContext({.timeout = kTimeout, .bearer_token = bearer});
  RETURN_IF_ERROR(FromMessaging(stub_->GetChat(context.get(), request, &response)));
  return std::move(*response.mutable_chat());
}

absl::Status CallChats::PostNotice(const std::string& chat_id, const std::string& host_id,
                                   const std::string& call_id, bool ended, absl::Duration length,
                                   int people) {
  ASSIGN_OR_RETURN(std::string token, service_tokens_());
  messaging::v1::PostCallNoticeRequest request;
  request.set_chat_id(chat_id);
  request.set_author_id(host_id);
  request.set_request_id(absl::StrCat(ended ? "call-ended:" : "call-started:", call_id));
  messaging::v1::CallNotice& notice = *request.mutable_notice();
  notice.set_call_id(call_id);
  if (ended) {
    notice.set_kind(messaging::v1::CALL_NOTICE_KIND_ENDED);
    notice.mutable_duration()->set_seconds(absl::ToInt64Seconds(length));
    notice.set_participant_count(people);
  } else {
    notice.set_kind(messaging::v1::CALL_NOTICE_KIND_STARTED);
  }
  messaging::v1::PostCallNoticeResponse response;
  auto context = grpc::MakeClientContext({.timeout = kTimeout, .bearer_token = token});
  return FromMessaging(stub_->PostCallNotice(context.get(), request, &response));
}

}  // namespace parta::signaling
