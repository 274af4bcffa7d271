#pragma once

// The contact checker: after a change that may end someone's contact with others (a role, a
// class, a parent link, a student's safe mode: roster/roster_chats.h queues his direct chats
// in `direct_chat_checks`), asks the directory whether each of the chat's two people may still
// contact the other. When one may not, the chat is read-only for both (chats/direct_chats.h)
// and he leaves it — its history and its live changes — unless he is a student of the school:
// a student keeps his own history, read-only. A chat whose other party has left the school
// already is left to the one who stays, read-only as well.
//
// The directory is asked outside any transaction; the answer is applied under the chat's lock.
// A directory that cannot answer leaves the queue as it is for the next run.

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "libs/core/clock.h"
#include "libs/core/random.h"
#include "libs/pg/pool.h"
#include "services/messaging/chats/direct_chats.h"

namespace parta::messaging {

class DirectChatChecks {
 public:
  // `committed` runs after every commit that changed a chat (wakes the relay).
  DirectChatChecks(pg::Pool& pool, IdGenerator& ids, const Clock& clock, ContactCheck contact,
                   std::function<void()> committed)
      : pool_(pool),
        ids_(ids),
        clock_(clock),
        contact_(std::move(contact)),
        committed_(std::move(committed)) {}

  // Checks every queued chat.
  absl::Status Drain();

 private:
  struct Queued {
    std::string chat_id;
    int64_t ticket = 0;
    std::string school_id;
    std::vector<std::string> members;  // active ones
  };
  absl::Status Check(const Queued& queued);

  pg::Pool& pool_;
  IdGenerator& ids_;
  const Clock& clock_;
  const ContactCheck contact_;
  const std::function<void()> committed_;
};

}  // namespace parta::messaging
