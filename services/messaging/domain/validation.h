#pragma once

// Checks of what clients send, each failing with a stable reason.

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace parta::messaging {

inline constexpr int kMaxTextLength = 9000;  // characters (code points)

// A chat or message id: a UUID (`INVALID_CHAT_ID` / `INVALID_MESSAGE_ID`).
absl::Status ValidateChatId(absl::string_view id);
absl::Status ValidateMessageId(absl::string_view id);

// 1–64 printable ASCII characters (`INVALID_REQUEST_ID`).
absl::Status ValidateRequestId(absl::string_view id);

// Valid UTF-8 (`INVALID_UTF8`), not blank (`EMPTY_MESSAGE`), at most 9,000 characters
// (`TEXT_TOO_LONG`).
absl::Status ValidateText(absl::string_view body);

// A page size: 0 means `fallback`, otherwise 1–`max` (`INVALID_PAGE`).
absl::StatusOr<int> PageSize(int requested, int fallback, int max);

}  // namespace parta::messaging
