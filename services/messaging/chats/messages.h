#pragma once

// Posting, editing, deleting and reading messages. Every write locks the chat's row, checks the
// caller's membership and the policy under that lock, and appends its change to the chat's log
// in the same transaction; after commit the relay is woken to publish it.

#include <functional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/auth/token.h"
#include "libs/core/clock.h"
#include "libs/core/random.h"
#include "libs/pg/pool.h"
#include "parta/messaging/v1/messaging.pb.h"
#include "services/messaging/chats/chat_log.h"

namespace parta::messaging {

struct MessagingSettings {
  // How long an author may delete his message for everyone.
  absl::Duration delete_window = absl::Hours(24);
};

class Messages {
 public:
  // `committed` runs after every committed change (wakes the relay).
  Messages(pg::Pool& pool, IdGenerator& ids, const Clock& clock, MessagingSettings settings,
           std::function<void()> committed);

  // A send in a transaction of its own. Its attachments (content versions) are the caller's to
  // have checked with the content service before (ContentAttachments): that is an RPC, never
  // made under the chat's lock. A message's attachments, its own and a forwarded message's, are
  // recorded with it (message_attachments) for AttachmentAccess.
  absl::StatusOr<v1::Message> Send(const std::string& caller, const v1::SendMessageRequest& req);

  // One send: who asks, what, and the hash of what he asks (Check).
  struct SendJob {
    std::string caller;
    v1::SendMessageRequest request;
    std::string request_hash;
  };
  // The two halves of sends for SendBatcher's shared transactions: the request's checks that
  // need no database (the hash that tells a retry from a reused request id), then a batch of
  // sends, sorted by chat id, in `tx`: their chats locked in one round trip, each send checked
  // under the lock, what they add written in two more (three when they carry attachments).
  // One result per send; a refused send writes nothing, so the others go on (`appended`:
  // whether any made a change; retries make none).
  absl::StatusOr<std::string> Check(const v1::SendMessageRequest& req) const;
  std::vector<absl::StatusOr<v1::Message>> SendAllIn(pqxx::transaction_base& tx,
                                                     const std::vector<const SendJob*>& jobs,
                                                     bool& appended);
  // A call notice, in the name of its author, for a service (the caller is not a person): the
  // author a member of the chat now or before, the chat not archived; otherwise as a send
  // (sequence, change, request id), in a transaction of its own.
  absl::StatusOr<v1::Message> PostCallNotice(const v1::PostCallNoticeRequest& req);
  // An e-journal's notice, posted by the API client of `client` (its client id the author, its
  // registered name the notice's source) into a class's chat, after checking that the client may
  // touch the school (its token's schools and regions); otherwise as a call notice (the journal's
  // id deduplicates, as a request id).
  absl::StatusOr<v1::Message> PostJournalNotice(const auth::Claims& client,
                                                const v1::PostJournalNoticeRequest& req);
  absl::StatusOr<v1::Message> Edit(const std::string& caller, const v1::EditMessageRequest& req);
  absl::StatusOr<v1::Message> Delete(const std::string& caller,
                                     const v1::DeleteMessageRequest& req);
  absl::StatusOr<v1::ListMessagesResponse> List(const std::string& caller,
                                                const v1::ListMessagesRequest& req);
  absl::StatusOr<v1::ListMessageVersionsResponse> Versions(
      const std::string& caller, const v1::ListMessageVersionsRequest& req);

 private:
  struct BatchState;
  absl::StatusOr<v1::Message> SendOne(pqxx::transaction_base& tx, const SendJob& job,
                                      const SendLock& lock, absl::Time now, BatchState& batch);
  // What every post shares once it is allowed: `message` (its content filled in) numbered as
  // the chat's next change, by `author` with `request_id` at `now`, its row and its
  // `message_posted` change added to the batch's writes. The chat must be the batch's view of it.
  v1::Message Post(Chat& chat, v1::Message message, const std::string& author,
                   const std::string& request_id, const std::string& request_hash, absl::Time now,
                   BatchState& batch);

  // What a service's notice (a call's, a journal's) does once its chat is locked and may take it:
  // a repeat answers the first post, an archived chat takes nothing, otherwise `notice` is
  // posted (`appended` then true).
  absl::StatusOr<v1::Message> PostNotice(pqxx::transaction_base& tx, const SendLock& lock,
                                         v1::Message notice, const std::string& author,
                                         const std::string& request_id,
                                         const std::string& request_hash, bool& appended);

  pg::Pool& pool_;
  IdGenerator& ids_;
  const Clock& clock_;
  const MessagingSettings settings_;
  const std::function<void()> committed_;
};

}  // namespace parta::messaging
