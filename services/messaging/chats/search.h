#pragma once

// Full-text search over messages with PostgreSQL's `russian` configuration (stemming: "задачу"
// finds "задачи"), in one chat or across the caller's chats, within what his history shows
// him: chats he is an active member of (archived ones included), nothing before his history
// start, nothing deleted.

#include <string>

#include "absl/status/statusor.h"
#include "libs/pg/pool.h"
#include "parta/messaging/v1/messaging.pb.h"

namespace parta::messaging {

class Search {
 public:
  explicit Search(pg::Pool& pool) : pool_(pool) {}

  absl::StatusOr<v1::SearchMessagesResponse> Messages(const std::string& caller,
                                                      const v1::SearchMessagesRequest& req);

 private:
  pg::Pool& pool_;
};

}  // namespace parta::messaging
