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

absl::StatusOr<int> PageSize(int requested, int fallback, int max) {
  if (requested == 0) return fallback;
  if (requested < 1 || requested > max) {
    return InvalidArgument("INVALID_PAGE", absl::StrCat("page_size must be 1-", max));
  }
  return requested;
}

}  // namespace parta::messaging
