#pragma once

// Items as a catalogue: their fields, and schools' libraries where the school's members find
// them by Russian word forms and read them.

#include <string>

#include "absl/status/statusor.h"
#include "libs/core/clock.h"
#include "parta/content/v1/content.pb.h"
#include "services/content/access/school_access.h"
#include "services/content/store/content_store.h"
#include "services/content/store/folder_store.h"
#include "services/content/store/school_space_store.h"

namespace parta::content {

class Library {
 public:
  Library(ContentStore& store, FolderStore& folders, SchoolSpaceStore& spaces,
          SchoolAccess& schools, const Clock& clock, const Quotas& quotas)
      : store_(store),
        folders_(folders),
        spaces_(spaces),
        schools_(schools),
        clock_(clock),
        school_quota_(quotas.school),
        user_quota_(quotas.user) {}

  absl::StatusOr<v1::Item> Update(const std::string& caller, const v1::UpdateItemRequest& req);
  absl::StatusOr<v1::Item> Publish(const std::string& caller, const std::string& token,
                                   const v1::PublishToSchoolRequest& req);
  absl::StatusOr<v1::Item> Withdraw(const std::string& caller,
                                    const v1::WithdrawFromSchoolRequest& req);
  absl::StatusOr<v1::SearchSchoolLibraryResponse> Search(const std::string& caller,
                                                         const std::string& token,
                                                         const v1::SearchSchoolLibraryRequest& req);

 private:
  ContentStore& store_;
  FolderStore& folders_;
  SchoolSpaceStore& spaces_;
  SchoolAccess& schools_;
  const Clock& clock_;
  const int64_t school_quota_;
  const int64_t user_quota_;  // an article's body or a link's URL that grows is checked
};

}  // namespace parta::content
