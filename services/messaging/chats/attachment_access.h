#pragma once

// Who may read a content version attached to messages: whoever can see a message carrying it —
// a message not deleted, in a chat he is an active member of, at or after his history start.
// The content service asks this (CheckAttachmentAccess) when someone opens a file that is not
// his own. Nothing is kept per reader: deleting the message or leaving the chat ends access.

#include <string>

#include "absl/status/statusor.h"
#include "libs/pg/pool.h"
#include "parta/messaging/v1/messaging.pb.h"

namespace parta::messaging {

class AttachmentAccess {
 public:
  explicit AttachmentAccess(pg::Pool& pool) : pool_(pool) {}

  // INVALID_ARGUMENT `INVALID_VERSION_ID` when the id is not a UUID. A version no message
  // carries, or none the caller can see, is simply not readable.
  absl::StatusOr<v1::CheckAttachmentAccessResponse> Check(
      const std::string& caller, const v1::CheckAttachmentAccessRequest& req);

 private:
  pg::Pool& pool_;
};

}  // namespace parta::messaging
