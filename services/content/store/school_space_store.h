#pragma once

// What schools decided about their space, in Postgres: whether their library is public, and the
// items shown as their logo and cover.

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/pg/pool.h"
#include "parta/content/v1/content.pb.h"

namespace parta::content {

class SchoolSpaceStore {
 public:
  explicit SchoolSpaceStore(pg::Pool& pool) : pool_(pool) {}

  // The school's space with its logo's and cover's newest versions; defaults when it never
  // changed it.
  absl::StatusOr<v1::SchoolSpace> Get(const std::string& school_id);

  // Changes the fields `paths` (library_public, logo_item_id, cover_item_id) to those of
  // `space`. A logo or cover must be an image item of `editor` whose newest version is clean:
  // NOT_FOUND `ITEM_NOT_FOUND`, FAILED_PRECONDITION `IMAGE_REQUIRED`, `VERSION_NOT_SCANNED`,
  // `VERSION_QUARANTINED`.
  absl::StatusOr<v1::SchoolSpace> Update(const v1::SchoolSpace& space,
                                         const std::vector<std::string>& paths,
                                         const std::string& editor, absl::Time now);

  // Whether the school's library is open to everyone signed in.
  absl::StatusOr<bool> LibraryPublic(const std::string& school_id);

 private:
  pg::Pool& pool_;
};

}  // namespace parta::content
