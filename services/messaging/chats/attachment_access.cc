#include "services/messaging/chats/attachment_access.h"

#include "libs/core/random.h"
#include "libs/core/status.h"
#include "libs/pg/prepared.h"

namespace parta::messaging {

absl::StatusOr<v1::CheckAttachmentAccessResponse> AttachmentAccess::Check(
    const std::string& caller, const v1::CheckAttachmentAccessRequest& req) {
  if (!IsUuid(req.version_id())) {
    return InvalidArgument("INVALID_VERSION_ID", "version_id is a content version's id");
  }
  return pool_.ReadFor<v1::CheckAttachmentAccessResponse>(
      [&](pqxx::nontransaction& tx) -> absl::StatusOr<v1::CheckAttachmentAccessResponse> {
        // The same rule as history and search: active membership, the history start, not
        // deleted (a deleted message's row stays with deleted_at set).
        const bool readable =
            !pg::ExecPrepared(
                 tx, "messaging_attachment_readable",
                 "SELECT 1 FROM message_attachments a "
                 "JOIN messages m ON m.chat_id = a.chat_id AND m.sequence = a.sequence "
                 "JOIN chat_members cm ON cm.chat_id = a.chat_id "
                 "AND cm.user_id = $2::uuid AND cm.active "
                 "WHERE a.version_id = $1::uuid AND m.deleted_at IS NULL "
                 "AND m.sequence >= cm.history_start LIMIT 1",
                 req.version_id(), caller)
                 .empty();
        v1::CheckAttachmentAccessResponse response;
        response.set_readable(readable);
        return response;
      });
}

}  // namespace parta::messaging
