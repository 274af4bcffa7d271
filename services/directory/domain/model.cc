#include "services/directory/domain/model.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace parta::directory {

absl::string_view RoleName(Role role) {
  switch (role) {
    case Role::kAdmin:
      return "admin";
    case Role::kTeacher:
      return "teacher";
    case Role::kEmployee:
      return "employee";
    case Role::kStudent:
      return "student";
    case Role::kParent:
      return "parent";
  }
  return "student";
}

std::optional<Role> RoleFromName(absl::string_view name) {
  for (Role role : kAllRoles) {
    if (RoleName(role) == name) return role;
  }
  return std::nullopt;
}

absl::string_view ConsentPurposeName(ConsentPurpose purpose) {
  switch (purpose) {
    case ConsentPurpose::kService:
      return "service";
    case ConsentPurpose::kChildData:
      return "child_data";
    case ConsentPurpose::kSchoolWideVisibility:
      return "school_wide_visibility";
  }
  return "service";
}

std::optional<ConsentPurpose> ConsentPurposeFromName(absl::string_view name) {
  for (ConsentPurpose purpose : kAllConsentPurposes) {
    if (ConsentPurposeName(purpose) == name) return purpose;
  }
  return std::nullopt;
}

absl::string_view ConsentMethodName(ConsentMethod method) {
  return method == ConsentMethod::kPaper ? "paper" : "online";
}

std::string SchoolClass::DisplayName() const {
  if (grade == 0) return letter;
  return absl::StrCat(grade, letter);
}

std::string RosterRow::DisplayName() const {
  std::string name = absl::StrCat(last_name, " ", first_name);
  if (!patronymic.empty()) absl::StrAppend(&name, " ", patronymic);
  return name;
}

bool PersonFacts::Has(Role role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

absl::string_view JoinRequestStateName(JoinRequestState state) {
  switch (state) {
    case JoinRequestState::kPending:
      return "pending";
    case JoinRequestState::kApproved:
      return "approved";
    case JoinRequestState::kDeclined:
      return "declined";
    case JoinRequestState::kExpired:
      return "expired";
  }
  return "pending";
}

}  // namespace parta::directory
