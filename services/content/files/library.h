#pragma once

// Items as a catalogue: their fields, and schools' libraries where the school's members find
// them by Russian word forms and read them.

#include <string>

#include "absl/status/statusor.h"
#include "libs/core/clock.h"
#include "parta/content/v1/content.pb.h"
#include "services/content/access/school_access.h"
#include "services/content/store/content_store.h"

namespace parta::content {

class Library {
 public:
  Library(ContentStore& store, SchoolAccess& schools, const Clock& clock)
      : store_(store), schools_(schools), clock_(clock) {}

  absl::StatusOr<v1::Item> Update(const std::string& caller, const v1::UpdateItemRequest& req);
  absl::StatusOr<v1::Item> Publish(const std::string& caller, const std::string& token,
                                   const v1::PublishToSchoolRequest& req);
  absl::StatusOr<v1::Item> Withdraw(const std::string& caller,
                                    const v1::WithdrawFromSchoolRequest& req);
  absl::StatusOr<v1::SearchSchoolLibraryResponse> Search(const std::string& token,
                                                         const v1::SearchSchoolLibraryRequest& req);

 private:
  ContentStore& store_;
  SchoolAccess& schools_;
  const Clock& clock_;
};

}  // namespace parta::content
