#pragma once

// A school's space as its admins set it: a library open to everyone signed in or to members
// only, and the pictures of its profile (logo, cover) that anyone may fetch.

#include <string>

#include "absl/status/statusor.h"
#include "libs/core/clock.h"
#include "parta/content/v1/content.pb.h"
#include "services/content/access/school_access.h"
#include "services/content/store/school_space_store.h"

namespace parta::content {

class SchoolSpaces {
 public:
  SchoolSpaces(SchoolSpaceStore& store, SchoolAccess& schools, const Clock& clock)
      : store_(store), schools_(schools), clock_(clock) {}

  absl::StatusOr<v1::SchoolSpace> Get(const std::string& school_id);
  absl::StatusOr<v1::SchoolSpace> Update(const std::string& caller, const std::string& token,
                                         const v1::UpdateSchoolSpaceRequest& req);

 private:
  SchoolSpaceStore& store_;
  SchoolAccess& schools_;
  const Clock& clock_;
};

}  // namespace parta::content
