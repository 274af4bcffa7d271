#pragma once

// A person's view of his chats: the list with unread counts, one chat, his read cursor, a
// chat's changes after a sequence (gap fills) and sync after time away. Changes come from the
// chats' logs as the WebSocket delivers them, redacted for the reader by message
// (change_visibility.h): a deleted message is a tombstone in every change that carries it, a
// replaced version carries no content, nothing shows a message before the reader's history.

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "libs/core/clock.h"
#include "libs/core/random.h"
#include "libs/pg/pool.h"
#include "parta/messaging/v1/messaging.pb.h"

namespace parta::messaging {

class Inbox {
 public:
  // `committed` runs after every committed change (wakes the relay).
  Inbox(pg::Pool& pool, IdGenerator& ids, const Clock& clock, std::function<void()> committed);

  absl::StatusOr<v1::ListChatsResponse> ListChats(const std::string& caller,
                                                  const v1::ListChatsRequest& req);
  absl::StatusOr<v1::Chat> GetChat(const std::string& caller, const std::string& chat_id);
  absl::StatusOr<v1::Chat> MarkRead(const std::string& caller, const v1::MarkReadRequest& req);
  absl::StatusOr<v1::ListChatChangesResponse> ListChanges(const std::string& caller,
                                                          const v1::ListChatChangesRequest& req);
  absl::StatusOr<v1::SyncResponse> Sync(const std::string& caller, const v1::SyncRequest& req);

  // OK when the caller may write in the chat now (typing indicators ask this).
  absl::Status MayWrite(const std::string& caller, const std::string& chat_id);

  // A page of the channels (chats, by chat id) whose changes the caller's sockets follow.
  absl::StatusOr<events::v1::ListMySubscriptionsResponse> ChannelsOf(
      const std::string& caller, const events::v1::ListMySubscriptionsRequest& req);

 private:
  pg::Pool& pool_;
  IdGenerator& ids_;
  const Clock& clock_;
  const std::function<void()> committed_;
};

}  // namespace parta::messaging
