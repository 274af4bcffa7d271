#pragma once

// Checks of what clients send, each failing with a stable reason.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

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

// Mentioned account ids: UUIDs (`INVALID_MENTION`), at most 50 (`TOO_MANY_MENTIONS`).
absl::Status ValidateMentions(const std::vector<std::string>& user_ids);

// A poll: a question of 1–300 characters and 1–10 options of 1–100 characters (`INVALID_POLL`).
absl::Status ValidatePoll(absl::string_view question, const std::vector<std::string>& options);

// An award's comment: at most 500 characters of valid UTF-8 (`INVALID_AWARD`).
absl::Status ValidateAwardComment(absl::string_view comment);

// Attached content ids: UUIDs, at most 10 (`INVALID_ATTACHMENT`).
absl::Status ValidateAttachments(const std::vector<std::string>& content_ids);

// One of the fixed reactions (`UNKNOWN_REACTION`).
absl::Status ValidateReaction(absl::string_view emoji);
// The fixed reactions, in the order clients show them.
const std::vector<std::string>& Reactions();

// A group's title: 1–100 characters, not blank (`INVALID_TITLE`).
absl::Status ValidateTitle(absl::string_view title);

// A report's reason: 1–500 characters, not blank (`INVALID_REASON`).
absl::Status ValidateReportReason(absl::string_view reason);

// A mute: 60 s to 30 days (`INVALID_DURATION`).
absl::Status ValidateMuteDuration(absl::Duration duration);

// A search query: 1–200 characters of valid UTF-8 with a letter or digit (`INVALID_QUERY`).
absl::Status ValidateQuery(absl::string_view query);

}  // namespace parta::messaging
