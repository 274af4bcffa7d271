#pragma once

// A school's line to the platform's support: one chat per school (kind `support`), its admins
// on one side, kept in step with the directory's admins like the staff chat, and on the other
// the platform operators who took it up. Operators see every school's support chat that has
// something written in it, those waiting for an answer first.

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "libs/auth/token.h"
#include "libs/core/clock.h"
#include "libs/core/random.h"
#include "libs/pg/pool.h"
#include "parta/messaging/v1/messaging.pb.h"

namespace parta::messaging {

class SupportChats {
 public:
  // `committed` runs after every committed change (wakes the relay).
  SupportChats(pg::Pool& pool, IdGenerator& ids, const Clock& clock,
               std::function<void()> committed)
      : pool_(pool), ids_(ids), clock_(clock), committed_(std::move(committed)) {}

  // The school's support chat, made on the first call, with every admin of the school in it:
  // INVALID_SCHOOL_ID, NOT_SCHOOL_ADMIN.
  absl::StatusOr<v1::Chat> Open(const std::string& caller, const std::string& school_id);
  // Operators: OPERATOR_ONLY, INVALID_PAGE, INVALID_PAGE_TOKEN.
  absl::StatusOr<v1::ListSupportChatsResponse> List(const auth::Claims& caller,
                                                    const v1::ListSupportChatsRequest& req);
  // The operator becomes a moderator of the chat: OPERATOR_ONLY, INVALID_CHAT_ID,
  // CHAT_NOT_FOUND.
  absl::StatusOr<v1::Chat> Join(const auth::Claims& caller, const std::string& chat_id);

 private:
  pg::Pool& pool_;
  IdGenerator& ids_;
  const Clock& clock_;
  const std::function<void()> committed_;
};

}  // namespace parta::messaging
