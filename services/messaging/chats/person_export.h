#pragma once

// What messaging holds about a person, for his data export (152-FZ art. 14), page by page: the
// chats he belongs to, his reactions, poll votes, acknowledgements and reports on the first
// page, and on every page the next messages he wrote (not deleted), oldest first, one JSON
// object per line, as the API shows a message.

#include "absl/status/statusor.h"
#include "libs/pg/pool.h"
#include "parta/messaging/v1/messaging.pb.h"

namespace parta::messaging {

class PersonExport {
 public:
  explicit PersonExport(pg::Pool& pool) : pool_(pool) {}

  // INVALID_PERSON_ID, INVALID_PAGE, INVALID_PAGE_TOKEN.
  absl::StatusOr<v1::ExportAuthorDataResponse> Page(const v1::ExportAuthorDataRequest& req);

 private:
  pg::Pool& pool_;
};

}  // namespace parta::messaging
