#pragma once

// What Postgres knows about who, besides its owner, may read an item: the places that show it
// (schools' libraries, the platform library, schools' profiles), read in one statement.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/pg/pool.h"

namespace parta::content {

struct Sharing {
  std::string item_id;
  std::string owner_user_id;
  // Whether the version asked about is the item's newest (always true when asked about the
  // item): the platform library and profiles show the newest version only.
  bool newest = true;
  bool profile_picture = false;   // a school's logo or cover
  std::string newest_media_type;  // of the item's newest version ("" for none)
  std::string platform_state;     // "" (a draft), "submitted", "published", "rejected"
  bool reader_is_editor = false;  // the reader edits the platform library
  struct Library {
    std::string school_id;
    bool open = false;  // its school opened it to everyone signed in
  };
  std::vector<Library> libraries;  // schools whose libraries show it
};

class SharingStore {
 public:
  explicit SharingStore(pg::Pool& pool) : pool_(pool) {}

  // For a version (its item's sharing) or an item; `reader` is asked about as an editor.
  // NOT_FOUND `VERSION_NOT_FOUND` / `ITEM_NOT_FOUND` when there is no such version or item.
  absl::StatusOr<Sharing> OfVersion(const std::string& version_id, const std::string& reader);
  absl::StatusOr<Sharing> OfItem(const std::string& item_id, const std::string& reader);

 private:
  absl::StatusOr<Sharing> Of(const std::string& item_id, const std::string& version_id,
                             const std::string& reader);

  pg::Pool& pool_;
};

}  // namespace parta::content
