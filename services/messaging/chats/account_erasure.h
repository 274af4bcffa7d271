#pragma once

// A person's erasure reaching messaging (identity's AccountErased): he leaves every chat, each
// message he wrote is deleted for everyone (a tombstone stays in its place, its author shown as
// identity names an erased account, «Удалённый пользователь»), and his reactions, votes,
// acknowledgements and earlier versions of his messages go. The message text is removed, not
// kept: the school's record is the chat's order of events, not his words, and 152-FZ asks for
// his personal data to go. What a moderator needs for an open report stays with the report
// (and the version DeleteForEveryone keeps) until the report is resolved.
//
// One chat per transaction, so a person with a long history does not hold every chat he wrote
// in locked at once; the cursor moves past the event only when every chat is done. An erasure
// cut short (a crash, a lost connection) is finished when the event comes again.

#include <functional>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "libs/core/clock.h"
#include "libs/core/random.h"
#include "libs/pg/pool.h"

namespace parta::messaging {

class AccountErasure {
 public:
  // `committed` runs after every committed change (wakes the relay).
  AccountErasure(pg::Pool& pool, IdGenerator& ids, const Clock& clock,
                 std::function<void()> committed);

  // Applies the erasure of `account_id`, event `sequence` of the cursor `stream`, once.
  absl::Status Erase(const std::string& stream, int64_t sequence, const std::string& account_id);

 private:
  // Takes him out of one chat and answers which; nullopt when no chat had anything of his left.
  absl::StatusOr<std::optional<std::string>> EraseFromNextChat(const std::string& account_id);

  pg::Pool& pool_;
  IdGenerator& ids_;
  const Clock& clock_;
  const std::function<void()> committed_;
};

}  // namespace parta::messaging
