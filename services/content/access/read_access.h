#pragma once

// Who, besides its owner, may read an item or a version: members of a school whose library
// shows it (everyone signed in when the school opened its library), everyone signed in for the
// newest version of a platform library item (and its editors for every item offered there),
// everyone for the newest version of a school's logo or cover, and — for versions — the members
// of a chat whose live message carries it (messaging answers).

#include <string>

#include "absl/status/status.h"
#include "services/content/access/chat_access.h"
#include "services/content/access/school_access.h"
#include "services/content/store/sharing_store.h"

namespace parta::content {

// Who asks: a signed-in person (his id and token), or nobody (a link must say who).
struct Reader {
  std::string user_id;
  std::string token;
};

class ReadAccess {
 public:
  ReadAccess(SharingStore& sharing, SchoolAccess& schools, ChatAccess& chats)
      : sharing_(sharing), schools_(schools), chats_(chats) {}

  // OK when `reader` owns the version or may read it; NOT_FOUND `VERSION_NOT_FOUND` otherwise,
  // whether it exists or not; UNAVAILABLE when the directory or messaging that would decide does
  // not answer.
  absl::Status MayReadVersion(const Reader& reader, const std::string& version_id);
  // The same for an item (no chats: messages carry versions). NOT_FOUND `ITEM_NOT_FOUND`.
  // `owner` is set to the item's owner.
  absl::Status MayReadItem(const Reader& reader, const std::string& item_id, std::string* owner);
  // Whether anyone at all, signed in or not, may read the version: a school's logo or cover.
  absl::StatusOr<bool> Public(const std::string& version_id);

 private:
  // Whether the places that show the item let `reader` in; the directory's failure, when it was
  // asked and did not answer, in `directory_failure`.
  bool Shown(const Sharing& sharing, const Reader& reader, absl::Status& directory_failure);

  SharingStore& sharing_;
  SchoolAccess& schools_;
  ChatAccess& chats_;
};

}  // namespace parta::content
