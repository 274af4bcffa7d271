#pragma once

// Values of requests that every service reads the same way: a create's retry key and a length of
// time.

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "libs/core/retry_key.h"

namespace parta::grpc {

// Checks a client's request id: up to 100 bytes of UTF-8 (INVALID_ARGUMENT `INVALID_REQUEST_ID`).
absl::Status CheckRequestId(absl::string_view request_id);

// A create's retry key: the request's `request_id`, and the request without it as it was asked.
template <typename Request>
absl::StatusOr<RetryKey> RetryKeyOf(const Request& request) {
  if (absl::Status valid = CheckRequestId(request.request_id()); !valid.ok()) return valid;
  Request asked = request;
  asked.clear_request_id();
  RetryKey key{.request_id = request.request_id()};
  {
    google::protobuf::io::StringOutputStream out(&key.fingerprint);
    google::protobuf::io::CodedOutputStream coded(&out);
    coded.SetSerializationDeterministic(true);
    asked.SerializeToCodedStream(&coded);
  }
  return key;
}

// A length of time as a client sent it, exactly (fractions of a second kept). One that is no
// Duration at all (nanos beyond a second, or of another sign than the seconds) is
// INVALID_ARGUMENT with `reason`; the range a field allows is its use case's to check.
absl::StatusOr<absl::Duration> DurationOf(const google::protobuf::Duration& proto,
                                          absl::string_view reason);

}  // namespace parta::grpc
