#include "services/directory/domain/use_case_support.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/core/page_token.h"
#include "libs/core/random.h"
#include "libs/core/status.h"
#include "services/directory/domain/policy.h"
#include "services/directory/domain/validation.h"

namespace parta::directory {

absl::Status Deny(absl::string_view reason, absl::string_view message) {
  return PermissionDenied(reason, message);
}

absl::Status SchoolNotFound() {
  return NotFound("SCHOOL_NOT_FOUND", "no such school among the caller's schools");
}

absl::Status ClassNotFound() { return NotFound("CLASS_NOT_FOUND", "no such class in the school"); }

absl::Status MemberNotFound(absl::string_view what) {
  return NotFound("MEMBER_NOT_FOUND", absl::StrCat("no such ", what, " in the school"));
}

// The caller's facts in a school he may see: a member of it, or an operator. Anyone else learns
// nothing, not even that the school exists.
absl::StatusOr<PersonFacts> CallerFacts(DirectoryTx& tx, const Caller& caller,
                                        const std::string& school_id) {
  if (!IsUuid(school_id)) return SchoolNotFound();
  ASSIGN_OR_RETURN(PersonFacts facts, tx.LoadFacts(school_id, caller.user_id));
  if (!facts.SchoolExists() || (!facts.IsMember() && !caller.is_operator)) {
    return SchoolNotFound();
  }
  return facts;
}

absl::Status RequireAdmin(const PersonFacts& facts) {
  if (!facts.Has(Role::kAdmin)) {
    return Deny("NOT_SCHOOL_ADMIN", "only an admin of the school may do this");
  }
  return absl::OkStatus();
}

absl::Status RequireSchool(const Caller& caller, const PersonFacts& facts, Permission permission,
                           absl::string_view reason, absl::string_view message) {
  if (!directory::Decide(permission, SchoolRelations(facts, caller.is_operator))) {
    return Deny(reason, message);
  }
  return absl::OkStatus();
}

// Admins of the school, and operators (who invite a new school's first admin).
absl::Status RequireInvitationManager(const Caller& caller, const PersonFacts& facts) {
  return RequireSchool(caller, facts, Permission::kSchoolInvitationsManage, "NOT_SCHOOL_ADMIN",
                       "only an admin of the school manages its invitations");
}

absl::StatusOr<SchoolClass> FindClassIn(DirectoryTx& tx, const std::string& school_id,
                                        const std::string& class_id) {
  if (!IsUuid(class_id)) return ClassNotFound();
  ASSIGN_OR_RETURN(std::optional<SchoolClass> found, tx.FindClass(school_id, class_id));
  if (!found) return ClassNotFound();
  return *std::move(found);
}

absl::Status RequireActive(const SchoolClass& school_class) {
  if (school_class.archived) {
    return Error(absl::StatusCode::kFailedPrecondition, "CLASS_ARCHIVED", "the class is archived");
  }
  return absl::OkStatus();
}

// A student of the school and his facts; MEMBER_NOT_FOUND otherwise.
absl::StatusOr<PersonFacts> StudentFacts(DirectoryTx& tx, const std::string& school_id,
                                         const std::string& student_id) {
  if (!IsUuid(student_id)) return MemberNotFound("student");
  ASSIGN_OR_RETURN(PersonFacts facts, tx.LoadFacts(school_id, student_id));
  if (!facts.Has(Role::kStudent)) return MemberNotFound("student");
  return facts;
}

absl::Status RequireTeacher(DirectoryTx& tx, const std::string& school_id,
                            const std::string& user_id) {
  if (IsUuid(user_id)) {
    ASSIGN_OR_RETURN(PersonFacts facts, tx.LoadFacts(school_id, user_id));
    if (facts.Has(Role::kTeacher)) return absl::OkStatus();
  }
  return InvalidArgument("NOT_A_TEACHER", "the person is not a teacher of the school");
}

absl::Status RemoveRoleOf(DirectoryTx& tx, Recorder& recorder, const std::string& school_id,
                          const PersonFacts& member, const std::string& user_id, Role role) {
  if (role == Role::kStudent) {
    for (const std::string& class_id : member.student_classes) {
      RETURN_IF_ERROR(tx.RemoveStudent(class_id, user_id).status());
      RETURN_IF_ERROR(recorder.Record(
          school_id,
          {.kind = Change::Kind::kStudentRemoved, .user_id = user_id, .class_id = class_id}));
    }
    // His family's ties to this school end with him: a pupil who comes back is linked anew.
    RETURN_IF_ERROR(EndStudentFamily(tx, recorder, school_id, user_id));
  }
  if (role == Role::kTeacher) {
    ASSIGN_OR_RETURN(std::vector<TeachingPost> removed,
                     tx.RemoveTeacherEverywhere(school_id, user_id));
    for (const TeachingPost& post : removed) {
      RETURN_IF_ERROR(recorder.Record(school_id, {.kind = Change::Kind::kTeacherRemoved,
                                                  .user_id = user_id,
                                                  .class_id = post.class_id,
                                                  .subject = post.subject}));
    }
  }
  if (role == Role::kParent) {
    ASSIGN_OR_RETURN(std::vector<ParentLink> ended, tx.EndParentLinks(school_id, user_id));
    for (const ParentLink& link : ended) {
      RETURN_IF_ERROR(recorder.Record(
          school_id, {.kind = Change::Kind::kParentLinkEnded, .parent_link = link}));
    }
  }
  RETURN_IF_ERROR(tx.RemoveRole(school_id, user_id, role).status());
  return recorder.Record(school_id,
                         {.kind = Change::Kind::kRoleRemoved, .user_id = user_id, .role = role});
}

std::string IdentityKeyOf(const std::string& school_id, const std::string& person_key) {
  return absl::StrCat("directory/", school_id, "/",
                      absl::BytesToHexString(HashInvitationCode(person_key)));
}

absl::Status EndStudentFamily(DirectoryTx& tx, Recorder& recorder, const std::string& school_id,
                              const std::string& student_id) {
  RETURN_IF_ERROR(tx.RevokeParentInvitations(school_id, student_id));
  ASSIGN_OR_RETURN(std::vector<ParentLink> ended, tx.EndStudentLinks(school_id, student_id));
  for (const ParentLink& link : ended) {
    RETURN_IF_ERROR(
        recorder.Record(school_id, {.kind = Change::Kind::kParentLinkEnded, .parent_link = link}));
    ASSIGN_OR_RETURN(PersonFacts parent, tx.LoadFacts(school_id, link.parent_id));
    if (parent.Has(Role::kParent) && parent.children.empty()) {
      RETURN_IF_ERROR(tx.RemoveRole(school_id, link.parent_id, Role::kParent).status());
      RETURN_IF_ERROR(recorder.Record(
          school_id,
          {.kind = Change::Kind::kRoleRemoved, .user_id = link.parent_id, .role = Role::kParent}));
    }
  }
  return absl::OkStatus();
}

// Grants `role` (students also join `class_id`): how invitations and approved join requests
// make members. A student is in one class per academic year.
absl::Status GrantMembership(DirectoryTx& tx, Recorder& recorder, const std::string& school_id,
                             const std::string& user_id, Role role, const std::string& class_id,
                             absl::Time now) {
  if (role == Role::kStudent) {
    // Under the school's row lock, two grants for one student cannot both pass the one-class
    // check.
    RETURN_IF_ERROR(tx.LockSchool(school_id).status());
    ASSIGN_OR_RETURN(SchoolClass school_class, FindClassIn(tx, school_id, class_id));
    RETURN_IF_ERROR(RequireActive(school_class));
    ASSIGN_OR_RETURN(PersonFacts facts, tx.LoadFacts(school_id, user_id));
    for (const std::string& other_id : facts.student_classes) {
      if (other_id == school_class.id) continue;
      ASSIGN_OR_RETURN(SchoolClass other, FindClassIn(tx, school_id, other_id));
      if (other.academic_year == school_class.academic_year) {
        return Error(absl::StatusCode::kFailedPrecondition, "ALREADY_IN_ANOTHER_CLASS",
                     "the student is in another class of this academic year");
      }
    }
  }
  ASSIGN_OR_RETURN(bool granted, tx.GrantRole(school_id, user_id, role, now));
  if (granted) {
    RETURN_IF_ERROR(recorder.Record(
        school_id, {.kind = Change::Kind::kRoleGranted, .user_id = user_id, .role = role}));
  }
  if (role == Role::kStudent) {
    ASSIGN_OR_RETURN(bool added, tx.AddStudent(school_id, class_id, user_id));
    if (added) {
      RETURN_IF_ERROR(recorder.Record(
          school_id,
          {.kind = Change::Kind::kStudentAdded, .user_id = user_id, .class_id = class_id}));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Membership>> AllMemberships(DirectoryTx& tx,
                                                       const std::string& user_id) {
  constexpr int kBatch = 500;
  std::vector<Membership> all;
  while (true) {
    ASSIGN_OR_RETURN(std::vector<Membership> page,
                     tx.ListMemberships(user_id, all.empty() ? "" : all.back().school_id, kBatch));
    all.insert(all.end(), page.begin(), page.end());
    if (page.size() < static_cast<size_t>(kBatch)) return all;
  }
}

absl::Status SaveSettings(DirectoryTx& tx, Recorder& recorder, const StudentSettings& settings) {
  RETURN_IF_ERROR(tx.SaveStudentSettings(settings));
  return recorder.Record(settings.school_id,
                         {.kind = Change::Kind::kStudentSettingsChanged, .settings = settings});
}

absl::StatusOr<int> PageSize(int requested, int max) {
  if (requested < 0 || requested > max) {
    return InvalidArgument("INVALID_PAGE_SIZE",
                           absl::StrCat("page_size must be between 0 and ", max));
  }
  return requested == 0 ? std::min(kDefaultPageSize, max) : requested;
}

std::string EncodeCreatedKey(absl::string_view list, absl::string_view scope,
                             const CreatedKey& key) {
  return EncodePageToken(list, scope, {absl::StrCat(absl::ToUnixMicros(key.created_at)), key.id});
}

absl::StatusOr<std::optional<CreatedKey>> DecodeCreatedKey(const std::string& token,
                                                           absl::string_view list,
                                                           absl::string_view scope) {
  ASSIGN_OR_RETURN(std::vector<std::string> key, DecodePageToken(token, list, scope, 2));
  if (key.empty()) return std::nullopt;
  int64_t micros = 0;
  if (!absl::SimpleAtoi(key[0], &micros) || !IsUuid(key[1])) return InvalidPageToken();
  return CreatedKey{.created_at = absl::FromUnixMicros(micros), .id = key[1]};
}

// A dry run rolls its transaction back with this status, which never leaves Rollover().
absl::Status DryRunRollback() { return absl::CancelledError("DRY_RUN"); }

bool IsDryRunRollback(const absl::Status& status) {
  return status.code() == absl::StatusCode::kCancelled && status.message() == "DRY_RUN";
}

}  // namespace parta::directory
