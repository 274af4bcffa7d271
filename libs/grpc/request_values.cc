#include "libs/grpc/request_values.h"

#include "libs/core/status.h"
#include "libs/text/utf8.h"

namespace parta::grpc {

absl::Status CheckRequestId(absl::string_view request_id) {
  if (request_id.size() > 100 || text::Utf8Length(request_id) < 0) {
    return InvalidArgument("INVALID_REQUEST_ID", "request_id must be up to 100 bytes of UTF-8");
  }
  return absl::OkStatus();
}

absl::StatusOr<absl::Duration> DurationOf(const google::protobuf::Duration& proto,
                                          absl::string_view reason) {
  const bool nanos_in_range = proto.nanos() > -1'000'000'000 && proto.nanos() < 1'000'000'000;
  const bool same_sign =
      (proto.seconds() >= 0 && proto.nanos() >= 0) || (proto.seconds() <= 0 && proto.nanos() <= 0);
  if (!nanos_in_range || !same_sign) {
    return InvalidArgument(reason, "the duration is not a valid length of time");
  }
  return absl::Seconds(proto.seconds()) + absl::Nanoseconds(proto.nanos());
}

}  // namespace parta::grpc
