#include "services/messaging/domain/validation.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "libs/core/random.h"
#include "libs/core/status.h"
#include "libs/text/utf8.h"

namespace parta::messaging {

absl::Status ValidateChatId(absl::string_view id) {
  if (IsUuid(id)) return absl::OkStatus();
  return InvalidArgument("INVALID_CHAT_ID", "chat_id must be a chat's UUID");
}

absl::Status ValidateMessageId(absl::string_view id) {
  if (IsUuid(id)) return absl::OkStatus();
  return InvalidArgument("INVALID_MESSAGE_ID", "message_id must be a message's UUID");
}

absl::Status ValidateRequestId(absl::string_view id) {
  bool printable = !id.empty() && id.size() <= 64;
  for (char c : id) printable = printable && c > ' ' && c < 0x7f;
  if (printable) return absl::OkStatus();
  return InvalidArgument("INVALID_REQUEST_ID",
                         "request_id must be 1-64 printable ASCII characters (a UUID does)");
}

absl::Status ValidateText(absl::string_view body) {
  int length = text::Utf8Length(body);
  if (length < 0) return InvalidArgument("INVALID_UTF8", "the text is not valid UTF-8");
  bool blank = true;
  for (char c : body) blank = blank && absl::ascii_isspace(static_cast<unsigned char>(c));
  if (blank) return InvalidArgument("EMPTY_MESSAGE", "a message needs text");
  if (length > kMaxTextLength) {
    return InvalidArgument("TEXT_TOO_LONG",
                           absl::StrCat("the text is ", length, " characters; at most ",
                                        kMaxTextLength, " are allowed"));
  }
  return absl::OkStatus();
}

namespace {

// Characters of valid UTF-8 that is not blank, or -1 when invalid or blank.
int VisibleLength(absl::string_view text) {
  int length = text::Utf8Length(text);
  if (length < 0) return -1;
  for (char c : text) {
    if (!absl::ascii_isspace(static_cast<unsigned char>(c))) return length;
  }
  return -1;
}

}  // namespace

absl::Status ValidateMentions(const std::vector<std::string>& user_ids) {
  if (user_ids.size() > 50) {
    return InvalidArgument("TOO_MANY_MENTIONS", "a message mentions at most 50 people");
  }
  for (const std::string& id : user_ids) {
    if (!IsUuid(id)) return InvalidArgument("INVALID_MENTION", "a mention names an account id");
  }
  return absl::OkStatus();
}

absl::Status ValidatePoll(absl::string_view question, const std::vector<std::string>& options) {
  int length = VisibleLength(question);
  if (length < 1 || length > 300) {
    return InvalidArgument("INVALID_POLL", "a poll's question is 1-300 characters");
  }
  if (options.empty() || options.size() > 10) {
    return InvalidArgument("INVALID_POLL", "a poll has 1-10 options");
  }
  for (const std::string& option : options) {
    int option_length = VisibleLength(option);
    if (option_length < 1 || option_length > 100) {
      return InvalidArgument("INVALID_POLL", "a poll's option is 1-100 characters");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateAwardComment(absl::string_view comment) {
  int length = text::Utf8Length(comment);
  if (length < 0 || length > 500) {
    return InvalidArgument("INVALID_AWARD", "an award's comment is at most 500 characters");
  }
  return absl::OkStatus();
}

absl::Status ValidateAttachments(const std::vector<std::string>& content_ids) {
  if (content_ids.size() > 10) {
    return InvalidArgument("INVALID_ATTACHMENT", "a message has at most 10 attachments");
  }
  for (const std::string& id : content_ids) {
    if (!IsUuid(id)) return InvalidArgument("INVALID_ATTACHMENT", "an attachment is a content id");
  }
  return absl::OkStatus();
}

const std::vector<std::string>& Reactions() {
  static const std::vector<std::string> reactions = {"👍", "👎", "❤️", "😂", "😮",
                                                     "😢", "🔥", "👏",      "🎉", "🤔"};
  return reactions;
}

absl::Status ValidateReaction(absl::string_view emoji) {
  for (const std::string& known : Reactions()) {
    if (known == emoji) return absl::OkStatus();
  }
  return InvalidArgument("UNKNOWN_REACTION", "reactions come from a fixed set");
}

absl::Status ValidateTitle(absl::string_view title) {
  int length = VisibleLength(title);
  if (length >= 1 && length <= 100) return absl::OkStatus();
  return InvalidArgument("INVALID_TITLE", "a title is 1-100 characters");
}

absl::Status ValidateReportReason(absl::string_view reason) {
  int length = VisibleLength(reason);
  if (length >= 1 && length <= 500) return absl::OkStatus();
  return InvalidArgument("INVALID_REASON", "a report's reason is 1-500 characters");
}

absl::Status ValidateMuteDuration(absl::Duration duration) {
  if (duration >= absl::Seconds(60) && duration <= absl::Hours(24 * 30)) return absl::OkStatus();
  return InvalidArgument("INVALID_DURATION", "a mute lasts 60 seconds to 30 days");
}

absl::Status ValidateQuery(absl::string_view query) {
  int length = text::Utf8Length(query);
  bool has_word = false;
  for (char c : query) {
    has_word = has_word || absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
               (static_cast<unsigned char>(c) & 0x80) != 0;
  }
  if (length >= 1 && length <= 200 && has_word) return absl::OkStatus();
  return InvalidArgument("INVALID_QUERY", "a query is 1-200 characters with a word in it");
}

}  // namespace parta::messaging
