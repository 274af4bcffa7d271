#include "libs/grpc/status.h"

#include <string>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "libs/core/status.h"

namespace parta::grpc {

::grpc::Status ToGrpcStatus(const absl::Status& status, absl::string_view domain) {
  if (status.ok()) return ::grpc::Status::OK;
  std::string message(status.message());
  std::string reason = ReasonOf(status);
  if (reason.empty()) {
    return ::grpc::Status(static_cast<::grpc::StatusCode>(status.code()), message);
  }
  google::rpc::ErrorInfo info;
  info.set_reason(reason);
  info.set_domain(std::string(domain));
  google::rpc::Status details;
  details.set_code(static_cast<int>(status.code()));
  details.set_message(message);
  details.add_details()->PackFrom(info);
  return ::grpc::Status(static_cast<::grpc::StatusCode>(status.code()), message,
                        details.SerializeAsString());
}

absl::Status FromGrpcStatus(const ::grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  auto code = static_cast<absl::StatusCode>(status.error_code());
  google::rpc::Status details;
  if (!status.error_details().empty() && details.ParseFromString(status.error_details())) {
    for (const google::protobuf::Any& any : details.details()) {
      google::rpc::ErrorInfo info;
      if (any.UnpackTo(&info)) return Error(code, info.reason(), status.error_message());
    }
  }
  return absl::Status(code, status.error_message());
}

}  // namespace parta::grpc
