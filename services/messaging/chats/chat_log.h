#pragma once

// The one place where a chat's changes are numbered. A change locks the chat's row (held until
// commit), takes the chat's next sequence and is written, as the client event it is, to the
// outbox stream "chat/<id>": the chat's change log, which sync and gap fills read and the
// relay publishes on the chat's Redis channel. Membership changes also bump the person's
// chat-list version and tell his gateways to follow or unfollow the chat (stream "user/<id>").

#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "libs/core/random.h"
#include "parta/events/v1/events.pb.h"
#include "parta/messaging/v1/model.pb.h"
#include "services/messaging/domain/model.h"

namespace parta::messaging {

// "chat/<id>" and back.
std::string ChatStream(const std::string& chat_id);
std::string ChatOfStream(const std::string& stream);  // "" when not a chat stream
// "user/<id>": instructions for the user's gateways.
std::string UserStream(const std::string& user_id);

// A chat with the caller's part in it.
struct ChatAccess {
  Chat chat;
  std::optional<Membership> member;  // nullopt: not an active member
  std::vector<std::string> pinned;   // pinned message ids, the latest first
  std::string peer_id;               // a direct chat's other person (for a member)
};

// Columns of `chats c` and the member's `chat_members m` that ChatAccessFromRow reads first in a
// row (a NULL role: not a member), and how many there are.
extern const char kChatAccessColumns[];
extern const int kChatAccessColumnCount;
ChatAccess ChatAccessFromRow(const pqxx::row& row);

v1::ChatRole ToProto(ChatRole role);
// Settings as clients see them, and back (unset fields keep `fallback`'s).
v1::ChatSettings SettingsToProto(const ChatSettings& settings, bool read_only);
ChatSettings SettingsFromProto(const v1::ChatSettings& proto, const ChatSettings& fallback);
// The `settings` column's value.
std::string StoredSettings(const ChatSettings& settings);

// The chat as the member sees it (`unread` messages after his read cursor).
v1::Chat ChatToProto(const ChatAccess& access, int unread = 0);

// The chat and `user_id`'s membership, without locking; nullopt when there is no such chat.
std::optional<ChatAccess> ReadChat(pqxx::transaction_base& tx, const std::string& chat_id,
                                   const std::string& user_id);

// Like ReadChat, and locks the chat's row until commit: the caller's changes are ordered
// with every other change of the chat. Pins and the direct chat's peer are left out (a change
// has no use for them; read the chat again for an answer that shows them).
std::optional<ChatAccess> LockChat(pqxx::transaction_base& tx, const std::string& chat_id,
                                   const std::string& user_id);

// What a send needs locked: the chat, its author, and the send's request id.
struct SendKey {
  std::string chat_id;
  std::string user_id;
  std::string request_id;
};
// The chat and the author's part in it (nullopt: no such chat), and whether he has sent a
// message with that request id in this chat before (the send is a retry).
struct SendLock {
  std::optional<ChatAccess> access;
  bool sent_before = false;
};
// Locks the chats of a batch of sends, sorted by chat id (the order every batch locks in), in
// one round trip: one answer per send, in order. Pins and peers are left out, as in LockChat.
std::vector<SendLock> LockChatsForSends(pqxx::transaction_base& tx,
                                        const std::vector<SendKey>& sends);

// Changes of one transaction numbered in memory and written together in one round trip: each
// chat's counter (guarded by the value it was read with) and the changes' log entries. Every
// chat must be locked by the transaction; its `Chat` advances as its changes are numbered.
class ChangeBatch {
 public:
  // Numbers `change` as the chat's next and keeps it to write. Returns the event.
  events::v1::Event Append(Chat& chat, events::v1::ChatChange change, IdGenerator& ids,
                           absl::Time now);
  // Writes what was appended; throws when a chat's counter was not where it was read (the
  // transaction then fails whole: nothing is numbered twice or skipped).
  void Write(pqxx::transaction_base& tx);
  bool empty() const { return sequences_.empty(); }

 private:
  std::vector<std::string> chat_ids_;            // per chat, in the order first appended
  std::vector<int64_t> firsts_, lasts_;          // per chat, the sequences taken
  std::vector<std::string> streams_, payloads_;  // per change; payloads in hex
  std::vector<int64_t> sequences_;
  absl::Time now_ = absl::InfinitePast();
};

// Appends one change to a chat whose row this transaction has locked (or just created): takes
// the next sequence and writes the event (a ChangeBatch of one). Returns the event, numbered.
events::v1::Event AppendChange(pqxx::transaction_base& tx, Chat& chat,
                               events::v1::ChatChange change, IdGenerator& ids, absl::Time now);

// Makes `user_id` a member in `role`, or changes his role (appends `member_joined` in both
// cases, bumps his chat list, tells his gateways to follow). No change when he already has
// that role. The chat's row must be locked.
void SetMember(pqxx::transaction_base& tx, Chat& chat, const std::string& user_id, ChatRole role,
               IdGenerator& ids, absl::Time now);

// Takes `user_id` out of the chat (appends `member_left`, bumps his chat list, tells his
// gateways to unfollow). No change when he is not an active member. The row must be locked.
void RemoveMember(pqxx::transaction_base& tx, Chat& chat, const std::string& user_id,
                  IdGenerator& ids, absl::Time now);

}  // namespace parta::messaging
