#include "services/content/files/school_spaces.h"

#include "absl/strings/str_cat.h"
#include "libs/core/status.h"
#include "services/content/domain/validation.h"

namespace parta::content {

absl::StatusOr<v1::SchoolSpace> SchoolSpaces::Get(const std::string& school_id) {
  RETURN_IF_ERROR(CheckId(school_id, "INVALID_SCHOOL_ID"));
  return store_.Get(school_id);
}

absl::StatusOr<v1::SchoolSpace> SchoolSpaces::Update(const std::string& caller,
                                                     const std::string& token,
                                                     const v1::UpdateSchoolSpaceRequest& req) {
  const v1::SchoolSpace& space = req.space();
  RETURN_IF_ERROR(CheckId(space.school_id(), "INVALID_SCHOOL_ID"));
  const std::vector<std::string> paths(req.update_mask().paths().begin(),
                                       req.update_mask().paths().end());
  if (paths.empty()) {
    return InvalidArgument("INVALID_UPDATE_MASK",
                           "name the fields to change: library_public, logo_item_id, "
                           "cover_item_id");
  }
  for (const std::string& path : paths) {
    if (path == "logo_item_id" || path == "cover_item_id") {
      const std::string& id = path == "logo_item_id" ? space.logo_item_id() : space.cover_item_id();
      if (!id.empty()) RETURN_IF_ERROR(CheckId(id, "INVALID_ITEM_ID"));
    } else if (path != "library_public") {
      return InvalidArgument("INVALID_UPDATE_MASK",
                             absl::StrCat("a school's space has no changeable field ", path));
    }
  }
  ASSIGN_OR_RETURN(const bool admin, schools_.Allowed(token, space.school_id(), "school.update"));
  if (!admin) {
    return PermissionDenied("SCHOOL_UPDATE_DENIED", "only the school's admins change its space");
  }
  return store_.Update(space, paths, caller, clock_.Now());
}

}  // namespace parta::content
