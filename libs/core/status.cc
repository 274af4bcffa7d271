#include "libs/core/status.h"

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"

namespace parta {

absl::Status Error(absl::StatusCode code, absl::string_view reason, absl::string_view message) {
  absl::Status status(code, message);
  status.SetPayload(kReasonPayload, absl::Cord(reason));
  return status;
}

std::string ReasonOf(const absl::Status& status) {
  auto payload = status.GetPayload(kReasonPayload);
  return payload ? std::string(*payload) : std::string();
}

absl::Status WithRetryAfter(absl::Status status, absl::Duration delay) {
  status.SetPayload(kRetryAfterPayload,
                    absl::Cord(std::to_string(absl::ToInt64Milliseconds(
                        absl::Ceil(delay, absl::Milliseconds(1))))));
  return status;
}

std::optional<absl::Duration> RetryAfterOf(const absl::Status& status) {
  auto payload = status.GetPayload(kRetryAfterPayload);
  int64_t millis = 0;
  if (!payload || !absl::SimpleAtoi(std::string(*payload), &millis)) return std::nullopt;
  return absl::Milliseconds(millis);
}

}  // namespace parta
