#pragma once

// absl::Status ↔ grpc::Status. The codes are the same numbers; the reason travels as a
// google.rpc.ErrorInfo inside the google.rpc.Status details (the `grpc-status-details-bin`
// trailer), which every gRPC client and the gateway can read.

#include "absl/strings/string_view.h"

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace parta::grpc {

// `domain` names the service that set the reason ("identity.parta").
::grpc::Status ToGrpcStatus(const absl::Status& status, absl::string_view domain);

// The reason comes back as the status's reason payload (libs/core/status.h).
absl::Status FromGrpcStatus(const ::grpc::Status& status);

}  // namespace parta::grpc
