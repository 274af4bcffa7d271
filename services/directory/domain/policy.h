#pragma once

// Who may do what: the permission table and the visibility table ("who sees whom") of the
// directory, as data. Every decision of the service — its own RPCs and CheckPermission for
// other services — goes through Decide(). services/directory/README.md prints both tables.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/directory/domain/model.h"

namespace parta::directory {

// What a permission is about.
enum class ResourceKind { kSchool, kClass, kMember };

enum class Permission {
  // on a school
  kSchoolRead,
  kSchoolUpdate,
  kSchoolMembersList,
  kSchoolMembersManage,
  kSchoolClassesManage,
  kSchoolInvitationsManage,
  kSchoolChannelPost,
  kSchoolStaffChat,
  kSchoolTimetableManage,
  kSchoolLibraryPublish,
  // on a class
  kClassRead,
  kClassRosterRead,
  kClassStudentsInvite,
  kClassStudentsChat,
  kClassParentsChat,
  kClassModerate,
  kClassJoinRequestsDecide,
  // on a member of a school (the student-only ones need a student)
  kMemberParentInvite,
  kMemberParentLinksRead,
  kMemberParentConfirm,
  kMemberSettingsUpdate,
  kMemberDataExport,
  // the visibility table
  kMemberSeePresence,
  kMemberFind,
  kMemberContact,
  kMemberReadHistory,
};

// How the subject stands to the resource. A subject may stand in several relations at once.
enum class Relation : uint8_t {
  kOperator,     // platform operator (any school)
  kSchoolAdmin,  // roles in the resource's school
  kSchoolTeacher,
  kSchoolEmployee,
  kSchoolStudent,
  kSchoolParent,
  kClassTeacher,        // classes: leads the class
  kTeachesClass,        //   teaches a subject in it
  kStudentOfClass,      //   studies in it
  kParentInClass,       //   a confirmed parent of one of its students
  kSelf,                // members: the person himself
  kClassmate,           //   studies in one class with him
  kTeachesHim,          //   teaches or leads a class he studies in
  kLeadsHisClass,       //   the class teacher of his class
  kParentOfHim,         //   his confirmed parent
  kChildOfHim,          //   his child (he is a parent)
  kHisTeacher,          //   he teaches or leads a class the subject studies in
  kParentOfHisStudent,  //   a parent of a student he teaches
  kTeachesHisChild,     //   teaches a child of his
  kParentsInOneClass,   //   both are parents of children of one class
};
inline constexpr int kRelationCount = static_cast<int>(Relation::kParentsInOneClass) + 1;

using Relations = uint32_t;
constexpr Relations Bit(Relation r) { return Relations{1} << static_cast<int>(r); }

struct PermissionInfo {
  Permission permission;
  absl::string_view name;  // "class.roster.read"
  ResourceKind resource;
  bool students_only;  // member permissions about students (parents, settings)
  Relations allowed;   // for the visibility permissions: see VisibilityAllows
  absl::string_view description;
};

// Every permission, in the order of the enum.
const std::vector<PermissionInfo>& PermissionTable();
const PermissionInfo& InfoOf(Permission permission);
std::optional<Permission> PermissionFromName(absl::string_view name);
absl::string_view RelationName(Relation relation);

// "schools/{id}", "schools/{id}/classes/{id}" or "schools/{id}/members/{id}", ids as UUIDs.
struct Resource {
  ResourceKind kind = ResourceKind::kSchool;
  std::string school_id;
  std::string class_id;   // kClass
  std::string member_id;  // kMember
};
// INVALID_ARGUMENT (INVALID_RESOURCE) unless well formed.
absl::StatusOr<Resource> ParseResource(absl::string_view text);

// The relations of `subject` to a school, a class of it, or a member (`target`) of it.
Relations SchoolRelations(const PersonFacts& subject, bool is_operator);
Relations ClassRelations(const PersonFacts& subject, absl::string_view class_id);
Relations MemberRelations(const PersonFacts& subject, const PersonFacts& target);

// The kinds of people the visibility table has columns for.
enum class TargetKind { kStudentSafe, kStudentOpen, kStaff, kParent, kNone };
TargetKind TargetKindOf(const PersonFacts& target);

// The visibility table: may someone standing in `relations` to a `target` of that kind see his
// presence, find him, contact him, or read their direct history?
bool VisibilityAllows(Permission permission, TargetKind target, Relations relations);
// The relations that open `permission` (one of the four visibility ones) on a `target` kind.
Relations VisibilityRelations(Permission permission, TargetKind target);

// In a school that admits only adults the state or the school vouches for
// (School::verified_adults_only), contacting one of its pupils also needs the subject's
// verification level when the subject is not a pupil there himself: does this question?
bool NeedsVouchedAdult(Permission permission, const PersonFacts& subject, TargetKind target);

// The one decision: may a subject standing in `relations` do `permission`? For member
// permissions `target` is the resource's person.
bool Decide(Permission permission, Relations relations, TargetKind target = TargetKind::kNone);

}  // namespace parta::directory
