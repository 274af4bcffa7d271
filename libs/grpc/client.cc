#include "libs/grpc/client.h"

#include "absl/strings/str_cat.h"
#include "libs/grpc/transport_security.h"

namespace parta::grpc {

std::shared_ptr<::grpc::Channel> MakeChannel(const std::string& target) {
  ::grpc::ChannelArguments arguments;
  arguments.SetServiceConfigJSON(R"json({
    "methodConfig": [{
      "name": [{}],
      "retryPolicy": {
        "maxAttempts": 3,
        "initialBackoff": "0.05s",
        "maxBackoff": "0.5s",
        "backoffMultiplier": 2,
        "retryableStatusCodes": ["UNAVAILABLE"]
      }
    }]
  })json");
  arguments.SetInt(GRPC_ARG_ENABLE_RETRIES, 1);
  return ::grpc::CreateCustomChannel(target, ChannelCredentialsFor(CurrentTransportSecurity()),
                                     arguments);
}

std::unique_ptr<::grpc::ClientContext> MakeClientContext(const OutgoingCall& call) {
  auto context = std::make_unique<::grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + call.timeout));
  if (!call.bearer_token.empty()) {
    context->AddMetadata("authorization", absl::StrCat("Bearer ", call.bearer_token));
  }
  if (!call.request_id.empty()) {
    context->AddMetadata("x-request-id", std::string(call.request_id));
  }
  return context;
}

}  // namespace parta::grpc
