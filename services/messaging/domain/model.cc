#include "services/messaging/domain/model.h"

namespace parta::messaging {
namespace {

constexpr std::pair<ChatKind, absl::string_view> kKindNames[] = {
    {ChatKind::kClassStudents, "class_students"},
    {ChatKind::kClassParents, "class_parents"},
    {ChatKind::kStaff, "staff"},
    {ChatKind::kChannel, "channel"},
    {ChatKind::kGroup, "group"},
    {ChatKind::kDirect, "direct"},
    {ChatKind::kFamily, "family"},
    {ChatKind::kSupport, "support"},
};
constexpr std::pair<ChatRole, absl::string_view> kRoleNames[] = {
    {ChatRole::kReader, "reader"},
    {ChatRole::kMember, "member"},
    {ChatRole::kModerator, "moderator"},
    {ChatRole::kOwner, "owner"},
};
constexpr std::pair<SchoolRole, absl::string_view> kSchoolRoleNames[] = {
    {SchoolRole::kAdmin, "admin"},       {SchoolRole::kTeacher, "teacher"},
    {SchoolRole::kEmployee, "employee"}, {SchoolRole::kStudent, "student"},
    {SchoolRole::kParent, "parent"},
};

template <typename T, size_t N>
absl::string_view NameIn(const std::pair<T, absl::string_view> (&names)[N], T value) {
  for (const auto& [known, name] : names) {
    if (known == value) return name;
  }
  return "";
}

template <typename T, size_t N>
std::optional<T> ValueIn(const std::pair<T, absl::string_view> (&names)[N],
                         absl::string_view name) {
  for (const auto& [value, known] : names) {
    if (known == name) return value;
  }
  return std::nullopt;
}

}  // namespace

absl::string_view NameOf(ChatKind kind) { return NameIn(kKindNames, kind); }
absl::string_view NameOf(ChatRole role) { return NameIn(kRoleNames, role); }
absl::string_view NameOf(SchoolRole role) { return NameIn(kSchoolRoleNames, role); }
std::optional<ChatKind> ChatKindFromName(absl::string_view name) {
  return ValueIn(kKindNames, name);
}
std::optional<ChatRole> ChatRoleFromName(absl::string_view name) {
  return ValueIn(kRoleNames, name);
}
std::optional<SchoolRole> SchoolRoleFromName(absl::string_view name) {
  return ValueIn(kSchoolRoleNames, name);
}

}  // namespace parta::messaging
