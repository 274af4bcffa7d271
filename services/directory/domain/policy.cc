#include "services/directory/domain/policy.h"

#include <algorithm>

#include "absl/strings/str_split.h"
#include "libs/core/random.h"
#include "libs/core/status.h"

namespace parta::directory {
namespace {

using R = Relation;

constexpr Relations kAnyMember = Bit(R::kSchoolAdmin) | Bit(R::kSchoolTeacher) |
                                 Bit(R::kSchoolEmployee) | Bit(R::kSchoolStudent) |
                                 Bit(R::kSchoolParent);
constexpr Relations kStaff =
    Bit(R::kSchoolAdmin) | Bit(R::kSchoolTeacher) | Bit(R::kSchoolEmployee);
constexpr Relations kClassTeachers = Bit(R::kClassTeacher) | Bit(R::kTeachesClass);
// Adults answerable for a student: his class teacher, his parents, the school's admins.
constexpr Relations kStudentGuardians =
    Bit(R::kSchoolAdmin) | Bit(R::kLeadsHisClass) | Bit(R::kParentOfHim);

const std::vector<PermissionInfo>& Table() {
  static const auto* table = new std::vector<PermissionInfo>{
      {Permission::kSchoolRead, "school.read", ResourceKind::kSchool, false,
       Bit(R::kOperator) | kAnyMember, "read the school and its classes"},
      {Permission::kSchoolUpdate, "school.update", ResourceKind::kSchool, false,
       Bit(R::kOperator) | Bit(R::kSchoolAdmin), "edit the school's profile"},
      {Permission::kSchoolMembersList, "school.members.list", ResourceKind::kSchool, false, kStaff,
       "list the school's members"},
      {Permission::kSchoolMembersManage, "school.members.manage", ResourceKind::kSchool, false,
       Bit(R::kSchoolAdmin), "remove roles, set teachers' subjects"},
      {Permission::kSchoolClassesManage, "school.classes.manage", ResourceKind::kSchool, false,
       Bit(R::kSchoolAdmin), "create, edit and archive classes, move students"},
      {Permission::kSchoolInvitationsManage, "school.invitations.manage", ResourceKind::kSchool,
       false, Bit(R::kOperator) | Bit(R::kSchoolAdmin),
       "invite to any role, list and revoke invitations"},
      {Permission::kSchoolChannelPost, "school.channel.post", ResourceKind::kSchool, false,
       Bit(R::kSchoolAdmin) | Bit(R::kSchoolTeacher), "post in the school's channel"},
      {Permission::kSchoolStaffChat, "school.staff_chat", ResourceKind::kSchool, false, kStaff,
       "be in the school's staff chat"},
      {Permission::kSchoolTimetableManage, "school.timetable.manage", ResourceKind::kSchool, false,
       Bit(R::kSchoolAdmin), "add and remove lessons"},
      {Permission::kSchoolLibraryPublish, "school.library.publish", ResourceKind::kSchool, false,
       Bit(R::kSchoolAdmin) | Bit(R::kSchoolTeacher), "publish files in the school's library"},
      {Permission::kClassRead, "class.read", ResourceKind::kClass, false, kAnyMember,
       "read the class"},
      {Permission::kClassRosterRead, "class.roster.read", ResourceKind::kClass, false,
       kStaff | Bit(R::kStudentOfClass) | Bit(R::kParentInClass), "read the class's roster"},
      {Permission::kClassStudentsInvite, "class.students.invite", ResourceKind::kClass, false,
       Bit(R::kSchoolAdmin) | kClassTeachers, "invite students to the class"},
      {Permission::kClassStudentsChat, "class.students_chat", ResourceKind::kClass, false,
       Bit(R::kStudentOfClass) | kClassTeachers, "be in the class's students' chat"},
      {Permission::kClassParentsChat, "class.parents_chat", ResourceKind::kClass, false,
       Bit(R::kParentInClass) | kClassTeachers, "be in the class's parents' chat"},
      {Permission::kClassModerate, "class.moderate", ResourceKind::kClass, false,
       Bit(R::kSchoolAdmin) | kClassTeachers, "moderate the class's chats"},
      {Permission::kClassJoinRequestsDecide, "class.join_requests.decide", ResourceKind::kClass,
       false, Bit(R::kSchoolAdmin) | Bit(R::kClassTeacher),
       "approve or decline requests to join the class"},
      {Permission::kMemberParentInvite, "member.parent_invitation.create", ResourceKind::kMember,
       true, Bit(R::kSelf) | kStudentGuardians, "invite a parent of the student"},
      {Permission::kMemberParentLinksRead, "member.parent_links.read", ResourceKind::kMember, true,
       Bit(R::kSelf) | kStudentGuardians, "see the student's parent links"},
      {Permission::kMemberParentConfirm, "member.parent_link.confirm", ResourceKind::kMember, true,
       kStudentGuardians, "confirm a pending parent of the student"},
      {Permission::kMemberSettingsUpdate, "member.settings.update", ResourceKind::kMember, true,
       Bit(R::kSchoolAdmin) | Bit(R::kParentOfHim), "change the student's safe mode"},
      {Permission::kMemberDataExport, "member.data.export", ResourceKind::kMember, true,
       Bit(R::kSelf) | Bit(R::kParentOfHim),
       "export the student's personal data (content's data export)"},
      {Permission::kMemberSeePresence, "member.see_presence", ResourceKind::kMember, false, 0,
       "see whether the person is online (visibility table)"},
      {Permission::kMemberFind, "member.find", ResourceKind::kMember, false, 0,
       "find the person in search (visibility table)"},
      {Permission::kMemberContact, "member.contact", ResourceKind::kMember, false, 0,
       "open a direct chat with the person (visibility table)"},
      {Permission::kMemberReadHistory, "member.read_history", ResourceKind::kMember, false, 0,
       "read the direct-chat history with the person (visibility table)"},
  };
  return *table;
}

bool Intersects(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  for (const std::string& x : a) {
    if (std::find(b.begin(), b.end(), x) != b.end()) return true;
  }
  return false;
}

bool Contains(const std::vector<std::string>& list, absl::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

bool IsVisibilityPermission(Permission p) {
  return p == Permission::kMemberSeePresence || p == Permission::kMemberFind ||
         p == Permission::kMemberContact || p == Permission::kMemberReadHistory;
}

}  // namespace

const std::vector<PermissionInfo>& PermissionTable() { return Table(); }

const PermissionInfo& InfoOf(Permission permission) {
  return Table()[static_cast<size_t>(permission)];
}

std::optional<Permission> PermissionFromName(absl::string_view name) {
  for (const PermissionInfo& info : Table()) {
    if (info.name == name) return info.permission;
  }
  return std::nullopt;
}

absl::string_view RelationName(Relation relation) {
  static constexpr absl::string_view kNames[kRelationCount] = {"operator",
                                                               "school admin",
                                                               "school teacher",
                                                               "school employee",
                                                               "school student",
                                                               "school parent",
                                                               "class teacher",
                                                               "teaches the class",
                                                               "student of the class",
                                                               "parent in the class",
                                                               "self",
                                                               "classmate",
                                                               "teaches him",
                                                               "leads his class",
                                                               "his parent",
                                                               "his child",
                                                               "his teacher",
                                                               "parent of his student",
                                                               "teaches his child",
                                                               "parents in one class"};
  return kNames[static_cast<int>(relation)];
}

absl::StatusOr<Resource> ParseResource(absl::string_view text) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, '/');
  auto invalid = [] {
    return InvalidArgument("INVALID_RESOURCE",
                           "resource must be schools/{id}, schools/{id}/classes/{id} or "
                           "schools/{id}/members/{id}");
  };
  if ((parts.size() != 2 && parts.size() != 4) || parts[0] != "schools" || !IsUuid(parts[1])) {
    return invalid();
  }
  Resource resource{.school_id = std::string(parts[1])};
  if (parts.size() == 2) return resource;
  if (!IsUuid(parts[3])) return invalid();
  if (parts[2] == "classes") {
    resource.kind = ResourceKind::kClass;
    resource.class_id = std::string(parts[3]);
  } else if (parts[2] == "members") {
    resource.kind = ResourceKind::kMember;
    resource.member_id = std::string(parts[3]);
  } else {
    return invalid();
  }
  return resource;
}

Relations SchoolRelations(const PersonFacts& subject, bool is_operator) {
  Relations relations = is_operator ? Bit(R::kOperator) : 0;
  for (Role role : subject.roles) {
    switch (role) {
      case Role::kAdmin:
        relations |= Bit(R::kSchoolAdmin);
        break;
      case Role::kTeacher:
        relations |= Bit(R::kSchoolTeacher);
        break;
      case Role::kEmployee:
        relations |= Bit(R::kSchoolEmployee);
        break;
      case Role::kStudent:
        relations |= Bit(R::kSchoolStudent);
        break;
      case Role::kParent:
        relations |= Bit(R::kSchoolParent);
        break;
    }
  }
  return relations;
}

Relations ClassRelations(const PersonFacts& subject, absl::string_view class_id) {
  Relations relations = SchoolRelations(subject, false);
  if (Contains(subject.led_classes, class_id)) relations |= Bit(R::kClassTeacher);
  if (Contains(subject.taught_classes, class_id)) relations |= Bit(R::kTeachesClass);
  if (Contains(subject.student_classes, class_id)) relations |= Bit(R::kStudentOfClass);
  if (Contains(subject.children_classes, class_id)) relations |= Bit(R::kParentInClass);
  return relations;
}

Relations MemberRelations(const PersonFacts& subject, const PersonFacts& target) {
  Relations relations = SchoolRelations(subject, false);
  if (!subject.IsMember() && subject.user_id != target.user_id) return relations;
  if (subject.user_id == target.user_id) relations |= Bit(R::kSelf);
  if (Intersects(subject.student_classes, target.student_classes)) {
    relations |= Bit(R::kClassmate);
  }
  if (Intersects(subject.taught_classes, target.student_classes) ||
      Intersects(subject.led_classes, target.student_classes)) {
    relations |= Bit(R::kTeachesHim);
  }
  if (Intersects(subject.led_classes, target.student_classes)) {
    relations |= Bit(R::kLeadsHisClass);
  }
  if (Contains(subject.children, target.user_id)) relations |= Bit(R::kParentOfHim);
  if (Contains(target.children, subject.user_id)) relations |= Bit(R::kChildOfHim);
  if (Intersects(subject.student_classes, target.taught_classes) ||
      Intersects(subject.student_classes, target.led_classes)) {
    relations |= Bit(R::kHisTeacher);
  }
  if (Intersects(subject.children_classes, target.taught_classes) ||
      Intersects(subject.children_classes, target.led_classes)) {
    relations |= Bit(R::kParentOfHisStudent);
  }
  if (Intersects(subject.taught_classes, target.children_classes) ||
      Intersects(subject.led_classes, target.children_classes)) {
    relations |= Bit(R::kTeachesHisChild);
  }
  if (Intersects(subject.children_classes, target.children_classes)) {
    relations |= Bit(R::kParentsInOneClass);
  }
  return relations;
}

TargetKind TargetKindOf(const PersonFacts& target) {
  // A student is protected as a student whatever else he is.
  if (target.Has(Role::kStudent)) {
    return target.safe_mode ? TargetKind::kStudentSafe : TargetKind::kStudentOpen;
  }
  for (Role role : target.roles) {
    if (IsStaffRole(role)) return TargetKind::kStaff;
  }
  if (target.Has(Role::kParent)) return TargetKind::kParent;
  return TargetKind::kNone;
}

Relations VisibilityRelations(Permission permission, TargetKind target) {
  // Reading the history of an existing direct chat stays open to every member of the school:
  // the chat could only be opened when contact was allowed.
  if (permission == Permission::kMemberReadHistory) {
    return target == TargetKind::kNone ? 0 : kAnyMember | Bit(R::kSelf);
  }
  switch (target) {
    case TargetKind::kStudentSafe:
      // Safe mode: his school's people who share a class with him or teach him, his parents,
      // and the school's admins and employees.
      return Bit(R::kSelf) | Bit(R::kClassmate) | Bit(R::kTeachesHim) | Bit(R::kParentOfHim) |
             Bit(R::kSchoolAdmin) | Bit(R::kSchoolEmployee);
    case TargetKind::kStudentOpen:
      return Bit(R::kSelf) | kAnyMember;
    case TargetKind::kStaff:
      return Bit(R::kSelf) | kAnyMember;
    case TargetKind::kParent:
      // Parents: their own children, the school's staff, parents of the same classes.
      return Bit(R::kSelf) | Bit(R::kChildOfHim) | kStaff | Bit(R::kParentsInOneClass);
    case TargetKind::kNone:
      return 0;
  }
  return 0;
}

bool VisibilityAllows(Permission permission, TargetKind target, Relations relations) {
  return (VisibilityRelations(permission, target) & relations) != 0;
}

bool NeedsVouchedAdult(Permission permission, const PersonFacts& subject, TargetKind target) {
  const bool pupil = target == TargetKind::kStudentSafe || target == TargetKind::kStudentOpen;
  return subject.verified_adults_only && permission == Permission::kMemberContact && pupil &&
         !subject.Has(Role::kStudent);
}

bool Decide(Permission permission, Relations relations, TargetKind target) {
  const PermissionInfo& info = InfoOf(permission);
  if (info.resource == ResourceKind::kMember) {
    if (target == TargetKind::kNone) return false;
    bool student = target == TargetKind::kStudentSafe || target == TargetKind::kStudentOpen;
    if (info.students_only && !student) return false;
    if (IsVisibilityPermission(permission)) {
      return VisibilityAllows(permission, target, relations);
    }
  }
  return (info.allowed & relations) != 0;
}

}  // namespace parta::directory
