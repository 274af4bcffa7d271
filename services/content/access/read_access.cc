#include "services/content/access/read_access.h"

#include "absl/strings/match.h"
#include "libs/core/status.h"

namespace parta::content {
namespace {

// A school's picture shown to all: the newest version of its logo or cover while it is a
// picture (a later upload of something else to that item is not).
bool ShownOnProfile(const Sharing& sharing) {
  return sharing.profile_picture && sharing.newest &&
         absl::StartsWith(sharing.newest_media_type, "image/");
}

}  // namespace

bool ReadAccess::Shown(const Sharing& sharing, const Reader& reader,
                       absl::Status& directory_failure) {
  // What Postgres answered first; the directory only for members-only libraries.
  if (ShownOnProfile(sharing)) return true;
  if (sharing.newest && sharing.platform_state == "published") return true;
  if (!sharing.platform_state.empty() && sharing.reader_is_editor) return true;
  for (const Sharing::Library& library : sharing.libraries) {
    if (library.open) return true;
  }
  for (const Sharing::Library& library : sharing.libraries) {
    absl::StatusOr<bool> member = schools_.Allowed(reader.token, library.school_id, "school.read");
    if (member.ok() && *member) return true;
    if (!member.ok()) directory_failure = member.status();
  }
  return false;
}

absl::Status ReadAccess::MayReadVersion(const Reader& reader, const std::string& version_id) {
  ASSIGN_OR_RETURN(const Sharing sharing, sharing_.OfVersion(version_id, reader.user_id));
  if (sharing.owner_user_id == reader.user_id) return absl::OkStatus();
  absl::Status directory_failure;
  if (Shown(sharing, reader, directory_failure)) return absl::OkStatus();
  // A directory that does not answer still leaves the chats.
  ASSIGN_OR_RETURN(const bool in_chat, chats_.MayRead(reader.token, version_id));
  if (in_chat) return absl::OkStatus();
  if (!directory_failure.ok()) return directory_failure;
  return NotFound("VERSION_NOT_FOUND", "no such version that you may read");
}

absl::Status ReadAccess::MayReadItem(const Reader& reader, const std::string& item_id,
                                     std::string* owner) {
  ASSIGN_OR_RETURN(const Sharing sharing, sharing_.OfItem(item_id, reader.user_id));
  *owner = sharing.owner_user_id;
  if (sharing.owner_user_id == reader.user_id) return absl::OkStatus();
  absl::Status directory_failure;
  if (Shown(sharing, reader, directory_failure)) return absl::OkStatus();
  if (!directory_failure.ok()) return directory_failure;
  return NotFound("ITEM_NOT_FOUND", "no such item that you may read");
}

absl::StatusOr<bool> ReadAccess::Public(const std::string& version_id) {
  absl::StatusOr<Sharing> sharing = sharing_.OfVersion(version_id, "");
  if (absl::IsNotFound(sharing.status())) return false;
  if (!sharing.ok()) return sharing.status();
  return ShownOnProfile(*sharing);
}

}  // namespace parta::content
