#include "libs/grpc/status.h"

#include <string>

#include "google/rpc/error_details.pb.h"
#include "google/protobuf/util/time_util.h"
#include "google/rpc/status.pb.h"
#include "absl/strings/cord.h"
#include "libs/core/status.h"

namespace parta::grpc {

::grpc::Status ToGrpcStatus(const absl::Status& status, absl::string_view domain) {
  if (status.ok()) return ::grpc::Status::OK;
  std::string message(status.message());
  std::string reason = ReasonOf(status);
  std::optional<absl::Duration> retry_after = RetryAfterOf(status);
  if (reason.empty() && !retry_after) {
    return ::grpc::Status(static_cast<::grpc::StatusCode>(status.code()), message);
  }
  google::rpc::Status details;
  details.set_code(static_cast<int>(status.code()));
  details.set_message(message);
  if (!reason.empty()) {
    google::rpc::ErrorInfo info;
    info.set_reason(reason);
    info.set_domain(std::string(domain));
    details.add_details()->PackFrom(info);
  }
  if (retry_after) {
    google::rpc::RetryInfo retry;
    *retry.mutable_retry_delay() = google::protobuf::util::TimeUtil::MillisecondsToDuration(
        absl::ToInt64Milliseconds(*retry_after));
    details.add_details()->PackFrom(retry);
  }
  return ::grpc::Status(static_cast<::grpc::StatusCode>(status.code()), message,
                        details.SerializeAsString());
}

absl::Status FromGrpcStatus(const ::grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  auto code = static_cast<absl::StatusCode>(status.error_code());
  google::rpc::Status details;
  absl::Status result(code, status.error_message());
  if (!status.error_details().empty() && details.ParseFromString(status.error_details())) {
    for (const google::protobuf::Any& any : details.details()) {
      google::rpc::ErrorInfo info;
      google::rpc::RetryInfo retry;
      if (any.UnpackTo(&info)) {
        result.SetPayload(kReasonPayload, absl::Cord(info.reason()));
      } else if (any.UnpackTo(&retry)) {
        result = WithRetryAfter(result, absl::Milliseconds(
            google::protobuf::util::TimeUtil::DurationToMilliseconds(retry.retry_delay())));
      }
    }
  }
  return result;
}

}  // namespace parta::grpc
