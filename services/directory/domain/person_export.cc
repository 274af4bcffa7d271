// What the directory holds about a person, for his data export (152-FZ art. 14; declared in
// directory.h). The content service asks on the person's behalf and packs the answer.

#include "absl/strings/ascii.h"
#include "libs/core/random.h"
#include "libs/core/status.h"
#include "services/directory/domain/directory.h"

namespace parta::directory {

absl::StatusOr<PersonExport> Directory::ExportPersonData(const std::string& id) {
  const std::string person_id = absl::AsciiStrToLower(id);
  if (!IsUuid(person_id)) {
    return InvalidArgument("INVALID_PERSON_ID", "person_id is an account id (a UUID)");
  }
  PersonExport exported;
  RETURN_IF_ERROR(store_.Read([&](DirectoryTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(exported, tx.ExportPerson(person_id));
    return absl::OkStatus();
  }));
  exported.person_id = person_id;
  // A pending request past its expiry is expired, as ListMyJoinRequests shows it.
  const absl::Time now = clock_.Now();
  for (JoinRequest& request : exported.join_requests) request.state = request.StateAt(now);
  return exported;
}

}  // namespace parta::directory
