#include "services/directory/domain/directory.h"

#include <algorithm>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "libs/core/log.h"
#include "libs/core/status.h"
#include "services/directory/domain/roster_csv.h"
#include "services/directory/domain/validation.h"

namespace parta::directory {

// Records the changes of one transaction and remembers the generation each school reached, so
// the cache can be advanced once the transaction committed.
class Recorder {
 public:
  Recorder(DirectoryTx& tx, const Caller& caller, absl::Time now)
      : tx_(tx), caller_(caller), now_(now) {}

  absl::Status Record(absl::string_view school_id, Change change) {
    ASSIGN_OR_RETURN(int64_t generation,
                     tx_.RecordChange(school_id, caller_.user_id, change, now_));
    int64_t& reached = generations_[std::string(school_id)];
    reached = std::max(reached, generation);
    return absl::OkStatus();
  }
  const std::map<std::string, int64_t>& generations() const { return generations_; }
  void Clear() { generations_.clear(); }

 private:
  DirectoryTx& tx_;
  const Caller& caller_;
  const absl::Time now_;
  std::map<std::string, int64_t> generations_;
};

namespace {

constexpr int kDefaultPageSize = 50;

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

absl::StatusOr<int> PageSize(int requested, int max) {
  if (requested < 0 || requested > max) {
    return InvalidArgument("INVALID_PAGE_SIZE",
                           absl::StrCat("page_size must be between 0 and ", max));
  }
  return requested == 0 ? std::min(kDefaultPageSize, max) : requested;
}

absl::Status CheckPageToken(const std::string& token) {
  if (!token.empty() && !IsUuid(token)) {
    return InvalidArgument("INVALID_PAGE_TOKEN", "page_token is not from a previous response");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Directory::Mutate(const Caller& caller,
                               const std::function<absl::Status(DirectoryTx&, Recorder&)>& work) {
  std::map<std::string, int64_t> generations;
  absl::Time now = clock_.Now();
  RETURN_IF_ERROR(store_.Transact([&](DirectoryTx& tx) -> absl::Status {
    Recorder recorder(tx, caller, now);
    RETURN_IF_ERROR(work(tx, recorder));
    generations = recorder.generations();
    return absl::OkStatus();
  }));
  for (const auto& [school_id, generation] : generations) {
    // The relay advances it too when it publishes the event; until then answers of the older
    // generation could be served, so this is tried at once.
    if (absl::Status advanced = cache_.Advance(school_id, generation); !advanced.ok()) {
      log::Warning("permission cache not advanced").With("error", advanced.ToString());
    }
  }
  return absl::OkStatus();
}

// ---- schools ----

absl::StatusOr<School> Directory::CreateSchool(const Caller& caller, School school) {
  if (!caller.is_operator) {
    return Deny("OPERATOR_ONLY", "only a platform operator may create a school");
  }
  RETURN_IF_ERROR(NormalizeSchool(school));
  school.id = ids_.NewId();
  school.created_at = school.updated_at = clock_.Now();
  RETURN_IF_ERROR(Mutate(caller, [&](DirectoryTx& tx, Recorder& recorder) -> absl::Status {
    RETURN_IF_ERROR(tx.InsertSchool(school));
    return recorder.Record(school.id, {.kind = Change::Kind::kSchoolCreated, .school = school});
  }));
  return school;
}

absl::StatusOr<School> Directory::GetSchool(const Caller& caller, const std::string& school_id) {
  std::optional<School> school;
  RETURN_IF_ERROR(store_.Read([&](DirectoryTx& tx) -> absl::Status {
    RETURN_IF_ERROR(CallerFacts(tx, caller, school_id).status());
    ASSIGN_OR_RETURN(school, tx.FindSchool(school_id));
    return school ? absl::OkStatus() : SchoolNotFound();
  }));
  return *std::move(school);
}

absl::StatusOr<School> Directory::UpdateSchool(const Caller& caller, SchoolUpdate update) {
  static const std::vector<std::string> kEditable = {
      "name", "short_name", "region_code", "address",  "time_zone",
      "inn",  "ogrn",       "description", "contacts", "logo_content_id"};
  if (update.paths.empty()) {
    return InvalidArgument("INVALID_UPDATE_MASK", "update_mask names no field");
  }
  for (const std::string& path : update.paths) {
    if (std::find(kEditable.begin(), kEditable.end(), path) == kEditable.end()) {
      return InvalidArgument("INVALID_UPDATE_MASK",
                             "update_mask names a field that cannot change: " + path);
    }
  }
  School result;
  RETURN_IF_ERROR(Mutate(caller, [&](DirectoryTx& tx, Recorder& recorder) -> absl::Status {
    ASSIGN_OR_RETURN(PersonFacts facts, CallerFacts(tx, caller, update.school.id));
    RETURN_IF_ERROR(RequireSchool(caller, facts, Permission::kSchoolUpdate, "NOT_SCHOOL_ADMIN",
                                  "only an admin of the school may edit it"));
    ASSIGN_OR_RETURN(std::optional<School> current, tx.FindSchool(update.school.id));
    if (!current) return SchoolNotFound();
    School next = *current;
    const School& in = update.school;
    for (const std::string& path : update.paths) {
      if (path == "name") next.name = in.name;
      if (path == "short_name") next.short_name = in.short_name;
      if (path == "region_code") next.region_code = in.region_code;
      if (path == "address") next.address = in.address;
      if (path == "time_zone") next.time_zone = in.time_zone;
      if (path == "inn") next.inn = in.inn;
      if (path == "ogrn") next.ogrn = in.ogrn;
      if (path == "description") next.description = in.description;
      if (path == "contacts") next.contacts = in.contacts;
      if (path == "logo_content_id") next.logo_content_id = in.logo_content_id;
    }
    RETURN_IF_ERROR(NormalizeSchool(next));
    next.updated_at = clock_.Now();
    RETURN_IF_ERROR(tx.UpdateSchool(next));
    result = next;
    return recorder.Record(next.id, {.kind = Change::Kind::kSchoolUpdated, .school = next});
  }));
  return result;
}

absl::StatusOr<std::vector<School>> Directory::ListSchools(const Caller& caller,
                                                           const std::string& query, Page& page) {
  ASSIGN_OR_RETURN(int size, PageSize(page.size, 200));
  RETURN_IF_ERROR(CheckPageToken(page.token));
  std::vector<School> schools;
  RETURN_IF_ERROR(store_.Read([&](DirectoryTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(schools, tx.ListSchools(query, caller.is_operator ? "" : caller.user_id,
                                             page.token, size + 1));
    return absl::OkStatus();
  }));
  page.token.clear();
  if (static_cast<int>(schools.size()) > size) {
    schools.resize(size);
    page.token = schools.back().id;
  }
  return schools;
}

// ---- members ----

absl::StatusOr<std::vector<Member>> Directory::ListMembers(const Caller& caller,
                                                           const std::string& school_id,
                                                           std::optional<Role> role, Page& page) {
  ASSIGN_OR_RETURN(int size, PageSize(page.size == 0 ? 100 : page.size, 500));
  RETURN_IF_ERROR(CheckPageToken(page.token));
  std::vector<Member> members;
  RETURN_IF_ERROR(store_.Read([&](DirectoryTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(PersonFacts facts, CallerFacts(tx, caller, school_id));
    RETURN_IF_ERROR(RequireSchool(caller, facts, Permission::kSchoolMembersList, "NOT_SCHOOL_STAFF",
                                  "only the school's staff list its members"));
    ASSIGN_OR_RETURN(members, tx.ListMembers(school_id, role, page.token, size + 1));
    return absl::OkStatus();
  }));
  page.token.clear();
  if (static_cast<int>(members.size()) > size) {
    members.resize(size);
    page.token = members.back().user_id;
  }
  return members;
}

absl::StatusOr<Member> Directory::RemoveMemberRole(const Caller& caller,
                                                   const std::string& school_id,
                                                   const std::string& user_id, Role role) {
  std::optional<Member> result;
  RETURN_IF_ERROR(Mutate(caller, [&](DirectoryTx& tx, Recorder& recorder) -> absl::Status {
    ASSIGN_OR_RETURN(PersonFacts facts, CallerFacts(tx, caller, school_id));
    RETURN_IF_ERROR(RequireAdmin(facts));
    if (!IsUuid(user_id)) return MemberNotFound("member with this role");
    ASSIGN_OR_RETURN(PersonFacts target, tx.LoadFacts(school_id, user_id));
    if (!target.Has(role)) return MemberNotFound("member with this role");
    if (role == Role::kAdmin) {
      ASSIGN_OR_RETURN(int admins, tx.CountRole(school_id, Role::kAdmin));
      if (admins <= 1) {
        return Error(absl::StatusCode::kFailedPrecondition, "LAST_ADMIN",
                     "a school keeps at least one admin");
      }
    }
    if (role == Role::kStudent) {
      for (const std::string& class_id : target.student_classes) {
        RETURN_IF_ERROR(tx.RemoveStudent(class_id, user_id).status());
        RETURN_IF_ERROR(recorder.Record(
            school_id,
            {.kind = Change::Kind::kStudentRemoved, .user_id = user_id, .class_id = class_id}));
      }
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
    RETURN_IF_ERROR(recorder.Record(
        school_id, {.kind = Change::Kind::kRoleRemoved, .user_id = user_id, .role = role}));
    ASSIGN_OR_RETURN(std::optional<Member> member, tx.FindMember(school_id, user_id));
    result = member ? *member : Member{.school_id = school_id, .user_id = user_id};
    return absl::OkStatus();
  }));
  return *std::move(result);
}

absl::StatusOr<Member> Directory::SetTeacherSubjects(const Caller& caller,
                                                     const std::string& school_id,
                                                     const std::string& user_id,
                                                     const std::vector<std::string>& subjects) {
  if (subjects.size() > 20) {
    return InvalidArgument("INVALID_SUBJECT", "a teacher has at most 20 subjects");
  }
  std::vector<std::string> clean;
  for (const std::string& subject : subjects) {
    ASSIGN_OR_RETURN(std::string normalized, NormalizeSubject(subject));
    if (std::find(clean.begin(), clean.end(), normalized) == clean.end()) {
      clean.push_back(normalized);
    }
  }
  std::optional<Member> result;
  RETURN_IF_ERROR(Mutate(caller, [&](DirectoryTx& tx, Recorder&) -> absl::Status {
    ASSIGN_OR_RETURN(PersonFacts facts, CallerFacts(tx, caller, school_id));
    RETURN_IF_ERROR(RequireAdmin(facts));
    if (!IsUuid(user_id)) return MemberNotFound("member");
    ASSIGN_OR_RETURN(std::optional<Member> member, tx.FindMember(school_id, user_id));
    if (!member) return MemberNotFound("member");
    RETURN_IF_ERROR(RequireTeacher(tx, school_id, user_id));
    RETURN_IF_ERROR(tx.SetSubjects(school_id, user_id, clean));
    member->subjects = clean;
    result = *member;
    return absl::OkStatus();
  }));
  return *std::move(result);
}

// ---- classes ----

absl::StatusOr<SchoolClass> Directory::CreateClass(const Caller& caller, SchoolClass school_class) {
  RETURN_IF_ERROR(CheckGrade(school_class.grade));
  RETURN_IF_ERROR(CheckAcademicYear(school_class.academic_year));
  ASSIGN_OR_RETURN(school_class.letter,
                   NormalizeClassLetter(school_class.grade, school_class.letter));
  school_class.id = ids_.NewId();
  school_class.archived = false;
  school_class.created_at = clock_.Now();
  RETURN_IF_ERROR(Mutate(caller, [&](DirectoryTx& tx, Recorder& recorder) -> absl::Status {
    ASSIGN_OR_RETURN(PersonFacts facts, CallerFacts(tx, caller, school_class.school_id));
    RETURN_IF_ERROR(RequireAdmin(facts));
    if (!school_class.class_teacher_id.empty()) {
      RETURN_IF_ERROR(RequireTeacher(tx, school_class.school_id, school_class.class_teacher_id));
    }
    RETURN_IF_ERROR(tx.InsertClass(school_class));
    return recorder.Record(school_class.school_id,
                           {.kind = Change::Kind::kClassCreated, .school_class = school_class});
  }));
  return school_class;
}

absl::StatusOr<SchoolClass> Directory::GetClass(const Caller& caller, const std::string& school_id,
                                                const std::string& class_id) {
  std::optional<SchoolClass> result;
  RETURN_IF_ERROR(store_.Read([&](DirectoryTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(PersonFacts facts, CallerFacts(tx, caller, school_id));
    ASSIGN_OR_RETURN(result, FindClassIn(tx, school_id, class_id));
    return absl::OkStatus();
  }));
  return *std::move(result);
}

absl::StatusOr<std::vector<SchoolClass>> Directory::ListClasses(const Caller& caller,
                                                                const std::string& school_id,
                                                                int academic_year,
                                                                bool include_archived) {
  if (academic_year != 0) RETURN_IF_ERROR(CheckAcademicYear(academic_year));
  std::vector<SchoolClass> classes;
  RETURN_IF_ERROR(store_.Read([&](DirectoryTx& tx) -> absl::Status {
    RETURN_IF_ERROR(CallerFacts(tx, caller, school_id).status());
    ASSIGN_OR_RETURN(classes, tx.ListClasses(school_id, academic_year, include_archived));
    return absl::OkStatus();
  }));
  return classes;
}

absl::StatusOr<SchoolClass> Directory::UpdateClass(const Caller& caller,
                                                   const std::string& school_id,
                                                   ClassUpdate update) {
  if (update.paths.empty()) {
    return InvalidArgument("INVALID_UPDATE_MASK", "update_mask names no field");
  }
  for (const std::string& path : update.paths) {
    if (path != "letter" && path != "class_teacher_id") {
      return InvalidArgument("INVALID_UPDATE_MASK",
                             "only letter and class_teacher_id can change: " + path);
    }
  }
  SchoolClass result;
  RETURN_IF_ERROR(Mutate(caller, [&](DirectoryTx& tx, Recorder& recorder) -> absl::Status {
    ASSIGN_OR_RETURN(PersonFacts facts, CallerFacts(tx, caller, school_id));
    RETURN_IF_ERROR(RequireAdmin(facts));
    ASSIGN_OR_RETURN(SchoolClass next, FindClassIn(tx, school_id, update.school_class.id));
    RETURN_IF_ERROR(RequireActive(next));
    for (const std::string& path : update.paths) {
      if (path == "letter") {
        ASSIGN_OR_RETURN(next.letter, NormalizeClassLetter(next.grade, update.school_class.letter));
      } else {
        const std::string& teacher = update.school_class.class_teacher_id;
        if (!teacher.empty()) RETURN_IF_ERROR(RequireTeacher(tx, school_id, teacher));
        next.class_teacher_id = teacher;
      }
    }
    RETURN_IF_ERROR(tx.UpdateClass(next));
    result = next;
    return recorder.Record(school_id, {.kind = Change::Kind::kClassUpdated, .school_class = next});
  }));
  return result;
}

absl::StatusOr<SchoolClass> Directory::ArchiveClass(const Caller& caller,
                                                    const std::string& school_id,
                                                    const std::string& class_id) {
  SchoolClass result;
  RETURN_IF_ERROR(Mutate(caller, [&](DirectoryTx& tx, Recorder& recorder) -> absl::Status {
    ASSIGN_OR_RETURN(PersonFacts facts, CallerFacts(tx, caller, school_id));
    RETURN_IF_ERROR(RequireAdmin(facts));
    ASSIGN_OR_RETURN(result, FindClassIn(tx, school_id, class_id));
    if (result.archived) return absl::OkStatus();
    result.archived = true;
    RETURN_IF_ERROR(tx.UpdateClass(result));
    return recorder.Record(school_id,
                           {.kind = Change::Kind::kClassArchived, .school_class = result});
  }));
  return result;
}

absl::StatusOr<ClassRoster> Directory::GetClassRoster(const Caller& caller,
                                                      const std::string& school_id,
                                                      const std::string& class_id) {
  ClassRoster roster;
  RETURN_IF_ERROR(store_.Read([&](DirectoryTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(PersonFacts facts, CallerFacts(tx, caller, school_id));
    ASSIGN_OR_RETURN(SchoolClass school_class, FindClassIn(tx, school_id, class_id));
    if (!directory::Decide(Permission::kClassRosterRead, ClassRelations(facts, class_id))) {
      return Deny("NOT_IN_CLASS", "only the school's staff and the class's own people read it");
    }
    ASSIGN_OR_RETURN(roster, tx.LoadRoster(class_id));
    roster.school_class = std::move(school_class);
    return absl::OkStatus();
  }));
  return roster;
}

absl::StatusOr<ClassRoster> Directory::AddClassTeacher(const Caller& caller,
                                                       const std::string& school_id,
                                                       const std::string& class_id,
                                                       const std::string& teacher_id,
                                                       const std::string& subject) {
  ASSIGN_OR_RETURN(std::string clean_subject, NormalizeSubject(subject));
  RETURN_IF_ERROR(Mutate(caller, [&](DirectoryTx& tx, Recorder& recorder) -> absl::Status {
    ASSIGN_OR_RETURN(PersonFacts facts, CallerFacts(tx, caller, school_id));
    RETURN_IF_ERROR(RequireAdmin(facts));
    ASSIGN_OR_RETURN(SchoolClass school_class, FindClassIn(tx, school_id, class_id));
    RETURN_IF_ERROR(RequireActive(school_class));
    RETURN_IF_ERROR(RequireTeacher(tx, school_id, teacher_id));
    ASSIGN_OR_RETURN(bool added, tx.AddClassTeacher(class_id, teacher_id, clean_subject));
    if (!added) return absl::OkStatus();
    return recorder.Record(school_id, {.kind = Change::Kind::kTeacherAdded,
                                       .user_id = teacher_id,
                                       .class_id = class_id,
                                       .subject = clean_subject});
  }));
  return GetClassRoster(caller, school_id, class_id);
}

absl::StatusOr<ClassRoster> Directory::MoveStudent(const Caller& caller,
                                                   const std::string& school_id,
                                                   const std::string& student_id,
                                                   const std::string& to_class_id) {
  RETURN_IF_ERROR(Mutate(caller, [&](DirectoryTx& tx, Recorder& recorder) -> absl::Status {
    ASSIGN_OR_RETURN(PersonFacts facts, CallerFacts(tx, caller, school_id));
    RETURN_IF_ERROR(RequireAdmin(facts));
    ASSIGN_OR_RETURN(SchoolClass target, FindClassIn(tx, school_id, to_class_id));
    RETURN_IF_ERROR(RequireActive(target));
    ASSIGN_OR_RETURN(PersonFacts student, StudentFacts(tx, school_id, student_id));
    for (const std::string& class_id : student.student_classes) {
      if (class_id == to_class_id) continue;
      ASSIGN_OR_RETURN(SchoolClass from, FindClassIn(tx, school_id, class_id));
      if (from.academic_year != target.academic_year) {
        return Error(absl::StatusCode::kFailedPrecondition, "ACADEMIC_YEAR_MISMATCH",
                     "a student moves only between classes of one academic year");
      }
      RETURN_IF_ERROR(tx.RemoveStudent(class_id, student_id).status());
      RETURN_IF_ERROR(recorder.Record(
          school_id,
          {.kind = Change::Kind::kStudentRemoved, .user_id = student_id, .class_id = class_id}));
    }
    ASSIGN_OR_RETURN(bool added, tx.AddStudent(school_id, to_class_id, student_id));
    if (!added) return absl::OkStatus();
    return recorder.Record(
        school_id,
        {.kind = Change::Kind::kStudentAdded, .user_id = student_id, .class_id = to_class_id});
  }));
  return GetClassRoster(caller, school_id, to_class_id);
}

// ---- invitations ----

absl::StatusOr<NewInvitation> Directory::CreateInvitation(const Caller& caller,
                                                          const std::string& school_id, Role role,
                                                          const std::string& class_id,
                                                          absl::Duration ttl, int max_uses) {
  if (role == Role::kParent) {
    return InvalidArgument("INVALID_ROLE",
                           "parents are invited from the child's profile (parent invitations)");
  }
  if (role == Role::kStudent && class_id.empty()) {
    return InvalidArgument("CLASS_REQUIRED", "a student invitation names the class");
  }
  if (role != Role::kStudent && !class_id.empty()) {
    return InvalidArgument("CLASS_NOT_ALLOWED", "only student invitations name a class");
  }
  if (ttl == absl::ZeroDuration()) ttl = settings_.default_invitation_ttl;
  if (ttl < absl::Minutes(1) || ttl > settings_.max_invitation_ttl) {
    return InvalidArgument("INVALID_TTL", "ttl_seconds must be from 60 seconds to 30 days");
  }
  if (max_uses == 0) max_uses = 1;
  if (max_uses < 1 || max_uses > 1000) {
    return InvalidArgument("INVALID_MAX_USES", "max_uses must be 1–1000");
  }
  absl::Time now = clock_.Now();
  NewInvitation created;
  created.code = NewInvitationCode();
  Invitation& invitation = created.invitation;
  invitation = {.id = ids_.NewId(),
                .school_id = school_id,
                .role = role,
                .class_id = class_id,
                .code_hash = HashInvitationCode(created.code),
                .expires_at = now + ttl,
                .max_uses = max_uses,
                .creator_id = caller.user_id,
                .created_at = now};
  RETURN_IF_ERROR(Mutate(caller, [&](DirectoryTx& tx, Recorder&) -> absl::Status {
    ASSIGN_OR_RETURN(PersonFacts facts, CallerFacts(tx, caller, school_id));
    if (role == Role::kStudent) {
      ASSIGN_OR_RETURN(SchoolClass school_class, FindClassIn(tx, school_id, class_id));
      if (!directory::Decide(Permission::kClassStudentsInvite, ClassRelations(facts, class_id))) {
        return Deny("NOT_CLASS_TEACHER",
                    "only an admin or a teacher of the class invites students to it");
      }
      RETURN_IF_ERROR(RequireActive(school_class));
    } else {
      RETURN_IF_ERROR(RequireInvitationManager(caller, facts));
    }
    RETURN_IF_ERROR(tx.InsertInvitation(invitation));
    return tx.Audit(school_id, caller.user_id, absl::StrCat("invitation_created:", RoleName(role)),
                    invitation.id, now);
  }));
  return created;
}

absl::StatusOr<NewInvitation> Directory::CreateParentInvitation(const Caller& caller,
                                                                const std::string& school_id,
                                                                const std::string& student_id) {
  absl::Time now = clock_.Now();
  NewInvitation created;
  created.code = NewInvitationCode();
  created.invitation = {.id = ids_.NewId(),
                        .school_id = school_id,
                        .role = Role::kParent,
                        .student_id = student_id,
                        .code_hash = HashInvitationCode(created.code),
                        .expires_at = now + settings_.parent_invitation_ttl,
                        .max_uses = 1,
                        .creator_id = caller.user_id,
                        .created_at = now};
  RETURN_IF_ERROR(Mutate(caller, [&](DirectoryTx& tx, Recorder&) -> absl::Status {
    ASSIGN_OR_RETURN(PersonFacts facts, CallerFacts(tx, caller, school_id));
    ASSIGN_OR_RETURN(PersonFacts student, StudentFacts(tx, school_id, student_id));
    if (!directory::Decide(Permission::kMemberParentInvite, MemberRelations(facts, student),
                           TargetKindOf(student))) {
      return Deny("NOT_ALLOWED_FOR_STUDENT",
                  "only the student, his class teacher, his parents or an admin may do this");
    }
    ASSIGN_OR_RETURN(std::vector<ParentLink> links, tx.ListParentLinks(school_id, student_id));
    if (static_cast<int>(links.size()) >= settings_.max_parents_per_student) {
      return Error(absl::StatusCode::kFailedPrecondition, "PARENT_LIMIT_REACHED",
                   "the student has as many parents as allowed");
    }
    RETURN_IF_ERROR(tx.InsertInvitation(created.invitation));
    return tx.Audit(school_id, caller.user_id, "parent_invitation_created", student_id, now);
  }));
  return created;
}

absl::StatusOr<std::vector<Invitation>> Directory::ListInvitations(const Caller& caller,
                                                                   const std::string& school_id,
                                                                   bool include_inactive) {
  std::vector<Invitation> invitations;
  RETURN_IF_ERROR(store_.Read([&](DirectoryTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(PersonFacts facts, CallerFacts(tx, caller, school_id));
    RETURN_IF_ERROR(RequireInvitationManager(caller, facts));
    ASSIGN_OR_RETURN(invitations, tx.ListInvitations(school_id, include_inactive, clock_.Now()));
    return absl::OkStatus();
  }));
  return invitations;
}

absl::StatusOr<Invitation> Directory::RevokeInvitation(const Caller& caller,
                                                       const std::string& school_id,
                                                       const std::string& invitation_id) {
  Invitation result;
  RETURN_IF_ERROR(Mutate(caller, [&](DirectoryTx& tx, Recorder&) -> absl::Status {
    ASSIGN_OR_RETURN(PersonFacts facts, CallerFacts(tx, caller, school_id));
    std::optional<Invitation> invitation;
    if (IsUuid(invitation_id)) {
      ASSIGN_OR_RETURN(invitation, tx.FindInvitation(school_id, invitation_id));
    }
    if (!invitation) {
      return NotFound("INVITATION_NOT_FOUND", "no such invitation in the school");
    }
    if (invitation->creator_id != caller.user_id) {
      RETURN_IF_ERROR(RequireInvitationManager(caller, facts));
    }
    invitation->revoked = true;
    RETURN_IF_ERROR(tx.SaveInvitationState(*invitation));
    result = *invitation;
    return tx.Audit(school_id, caller.user_id, "invitation_revoked", invitation->id, clock_.Now());
  }));
  return result;
}

absl::StatusOr<Redemption> Directory::RedeemInvitation(const Caller& caller,
                                                       const std::string& code) {
  ASSIGN_OR_RETURN(std::string normalized, NormalizeInvitationCode(code));
  std::string hash = HashInvitationCode(normalized);
  absl::Time now = clock_.Now();
  Redemption result;
  RETURN_IF_ERROR(Mutate(caller, [&](DirectoryTx& tx, Recorder& recorder) -> absl::Status {
    result = {};
    ASSIGN_OR_RETURN(std::optional<Invitation> invitation, tx.LockInvitation(hash));
    if (!invitation) return NotFound("INVITATION_NOT_FOUND", "no invitation has this code");
    result.school_id = invitation->school_id;
    result.role = invitation->role;
    result.class_id = invitation->class_id;
    const std::string& school_id = invitation->school_id;
    ASSIGN_OR_RETURN(bool again, tx.HasRedeemed(invitation->id, caller.user_id));
    if (again) {
      // The same user redeeming again gets the first result and spends nothing.
      if (invitation->role == Role::kParent) {
        ASSIGN_OR_RETURN(result.parent_link,
                         tx.FindParentLink(school_id, caller.user_id, invitation->student_id));
      }
      return absl::OkStatus();
    }
    if (invitation->revoked) {
      return Error(absl::StatusCode::kFailedPrecondition, "INVITATION_REVOKED",
                   "the invitation was revoked");
    }
    if (invitation->expires_at <= now) {
      return Error(absl::StatusCode::kFailedPrecondition, "INVITATION_EXPIRED",
                   "the invitation has expired");
    }
    if (invitation->uses >= invitation->max_uses) {
      return Error(absl::StatusCode::kFailedPrecondition, "INVITATION_USED_UP",
                   "the invitation has been used as often as it may");
    }
    if (invitation->role == Role::kParent) {
      const std::string& student_id = invitation->student_id;
      if (student_id == caller.user_id) {
        return Error(absl::StatusCode::kFailedPrecondition, "PARENT_IS_CHILD",
                     "a child's own account cannot become its parent");
      }
      ASSIGN_OR_RETURN(PersonFacts student, StudentFacts(tx, school_id, student_id));
      ASSIGN_OR_RETURN(std::vector<ParentLink> links, tx.ListParentLinks(school_id, student_id));
      ASSIGN_OR_RETURN(std::optional<ParentLink> existing,
                       tx.FindParentLink(school_id, caller.user_id, student_id));
      if (existing) {
        result.parent_link = existing;
      } else {
        if (static_cast<int>(links.size()) >= settings_.max_parents_per_student) {
          return Error(absl::StatusCode::kFailedPrecondition, "PARENT_LIMIT_REACHED",
                       "the student has as many parents as allowed");
        }
        ParentLink link{.id = ids_.NewId(),
                        .school_id = school_id,
                        .parent_id = caller.user_id,
                        .student_id = student_id,
                        .state = ParentLinkState::kPending,
                        .created_at = now};
        RETURN_IF_ERROR(tx.InsertParentLink(link));
        result.parent_link = link;
        RETURN_IF_ERROR(recorder.Record(school_id, {.kind = Change::Kind::kParentLinkRequested,
                                                    .parent_link = link,
                                                    .existing_parent_ids = student.parents}));
      }
    } else {
      RETURN_IF_ERROR(GrantMembership(tx, recorder, school_id, caller.user_id, invitation->role,
                                      invitation->class_id, now));
    }
    invitation->uses += 1;
    RETURN_IF_ERROR(tx.SaveInvitationState(*invitation));
    RETURN_IF_ERROR(tx.InsertRedemption(invitation->id, caller.user_id, now));
    return tx.Audit(school_id, caller.user_id, "invitation_redeemed", invitation->id, now);
  }));
  return result;
}

// ---- parents ----

absl::StatusOr<std::vector<ParentLink>> Directory::ListParentLinks(const Caller& caller,
                                                                   const std::string& school_id,
                                                                   const std::string& student_id) {
  std::vector<ParentLink> links;
  RETURN_IF_ERROR(store_.Read([&](DirectoryTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(PersonFacts facts, CallerFacts(tx, caller, school_id));
    ASSIGN_OR_RETURN(PersonFacts student, StudentFacts(tx, school_id, student_id));
    if (!directory::Decide(Permission::kMemberParentLinksRead, MemberRelations(facts, student),
                           TargetKindOf(student))) {
      return Deny("NOT_ALLOWED_FOR_STUDENT",
                  "only the student, his class teacher, his parents or an admin may do this");
    }
    ASSIGN_OR_RETURN(links, tx.ListParentLinks(school_id, student_id));
    return absl::OkStatus();
  }));
  return links;
}

absl::StatusOr<ParentLink> Directory::ConfirmParentLink(const Caller& caller,
                                                        const std::string& school_id,
                                                        const std::string& link_id) {
  ParentLink result;
  absl::Time now = clock_.Now();
  RETURN_IF_ERROR(Mutate(caller, [&](DirectoryTx& tx, Recorder& recorder) -> absl::Status {
    ASSIGN_OR_RETURN(PersonFacts facts, CallerFacts(tx, caller, school_id));
    std::optional<ParentLink> link;
    if (IsUuid(link_id)) {
      ASSIGN_OR_RETURN(link, tx.LockParentLink(school_id, link_id));
    }
    if (!link) return NotFound("PARENT_LINK_NOT_FOUND", "no such parent link in the school");
    ASSIGN_OR_RETURN(PersonFacts student, StudentFacts(tx, school_id, link->student_id));
    if (!directory::Decide(Permission::kMemberParentConfirm, MemberRelations(facts, student),
                           TargetKindOf(student))) {
      return Deny("NOT_ALLOWED_FOR_STUDENT",
                  "only the student's class teacher, his parents or an admin may do this");
    }
    if (link->state != ParentLinkState::kPending) {
      return Error(absl::StatusCode::kFailedPrecondition, "PARENT_LINK_NOT_PENDING",
                   "the parent link is confirmed already");
    }
    link->state = ParentLinkState::kConfirmed;
    link->confirmed_by = caller.user_id;
    link->confirmed_at = now;
    RETURN_IF_ERROR(tx.SaveParentLink(*link));
    ASSIGN_OR_RETURN(bool granted, tx.GrantRole(school_id, link->parent_id, Role::kParent, now));
    if (granted) {
      RETURN_IF_ERROR(recorder.Record(
          school_id,
          {.kind = Change::Kind::kRoleGranted, .user_id = link->parent_id, .role = Role::kParent}));
    }
    RETURN_IF_ERROR(recorder.Record(school_id, {.kind = Change::Kind::kParentLinkConfirmed,
                                                .parent_link = *link,
                                                .existing_parent_ids = student.parents}));
    result = *link;
    return absl::OkStatus();
  }));
  return result;
}

absl::StatusOr<StudentSettings> Directory::UpdateStudentSettings(const Caller& caller,
                                                                 const std::string& school_id,
                                                                 const std::string& student_id,
                                                                 bool safe_mode) {
  StudentSettings settings{
      .school_id = school_id, .student_id = student_id, .safe_mode = safe_mode};
  RETURN_IF_ERROR(Mutate(caller, [&](DirectoryTx& tx, Recorder& recorder) -> absl::Status {
    ASSIGN_OR_RETURN(PersonFacts facts, CallerFacts(tx, caller, school_id));
    ASSIGN_OR_RETURN(PersonFacts student, StudentFacts(tx, school_id, student_id));
    if (!directory::Decide(Permission::kMemberSettingsUpdate, MemberRelations(facts, student),
                           TargetKindOf(student))) {
      return Deny("NOT_ALLOWED_FOR_STUDENT",
                  "only the student's parents or an admin change his settings");
    }
    RETURN_IF_ERROR(tx.SaveStudentSettings(settings));
    return recorder.Record(school_id,
                           {.kind = Change::Kind::kStudentSettingsChanged, .settings = settings});
  }));
  return settings;
}

// ---- join requests ----

absl::StatusOr<JoinRequest> Directory::CreateJoinRequest(const Caller& caller,
                                                         const std::string& school_id, Role role,
                                                         const std::string& class_id,
                                                         const std::string& message) {
  if (role != Role::kTeacher && role != Role::kEmployee && role != Role::kStudent) {
    return InvalidArgument("INVALID_ROLE",
                           "a join request asks for the teacher, employee or student role");
  }
  if (role == Role::kStudent && class_id.empty()) {
    return InvalidArgument("CLASS_REQUIRED", "a student's request names the class");
  }
  if (role != Role::kStudent && !class_id.empty()) {
    return InvalidArgument("CLASS_NOT_ALLOWED", "only a student's request names a class");
  }
  ASSIGN_OR_RETURN(std::string note, NormalizeNote(message, 0, 500, "INVALID_MESSAGE"));
  absl::Time now = clock_.Now();
  JoinRequest result;
  RETURN_IF_ERROR(Mutate(caller, [&](DirectoryTx& tx, Recorder&) -> absl::Status {
    if (!IsUuid(school_id)) return SchoolNotFound();
    ASSIGN_OR_RETURN(PersonFacts facts, tx.LoadFacts(school_id, caller.user_id));
    if (!facts.SchoolExists()) return SchoolNotFound();
    if (facts.Has(role)) {
      return Error(absl::StatusCode::kFailedPrecondition, "ALREADY_MEMBER",
                   "the caller holds this role in the school already");
    }
    if (role == Role::kStudent) {
      ASSIGN_OR_RETURN(SchoolClass school_class, FindClassIn(tx, school_id, class_id));
      RETURN_IF_ERROR(RequireActive(school_class));
    }
    ASSIGN_OR_RETURN(std::optional<JoinRequest> pending,
                     tx.LockPendingJoinRequest(school_id, caller.user_id, role));
    if (pending && pending->StateAt(now) == JoinRequestState::kPending) {
      // Asking again collapses into the pending request.
      pending->class_id = class_id;
      pending->message = note;
      RETURN_IF_ERROR(tx.SaveJoinRequest(*pending));
      result = *pending;
      return absl::OkStatus();
    }
    if (pending) {  // expired: it stays on record as such
      pending->state = JoinRequestState::kExpired;
      RETURN_IF_ERROR(tx.SaveJoinRequest(*pending));
    }
    result = JoinRequest{.id = ids_.NewId(),
                         .school_id = school_id,
                         .user_id = caller.user_id,
                         .role = role,
                         .class_id = class_id,
                         .message = note,
                         .created_at = now,
                         .expires_at = now + settings_.join_request_ttl};
    return tx.InsertJoinRequest(result);
  }));
  return result;
}

absl::StatusOr<std::vector<JoinRequest>> Directory::ListJoinRequests(const Caller& caller,
                                                                     const std::string& school_id,
                                                                     bool include_decided) {
  std::vector<JoinRequest> requests;
  absl::Time now = clock_.Now();
  RETURN_IF_ERROR(store_.Read([&](DirectoryTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(PersonFacts facts, CallerFacts(tx, caller, school_id));
    std::vector<std::string> classes;  // empty: all (admins)
    if (!facts.Has(Role::kAdmin)) {
      if (facts.led_classes.empty()) {
        return Deny("NOT_SCHOOL_ADMIN", "only admins and class teachers see join requests");
      }
      classes = facts.led_classes;
    }
    ASSIGN_OR_RETURN(requests, tx.ListJoinRequests(school_id, include_decided, classes, now));
    return absl::OkStatus();
  }));
  for (JoinRequest& request : requests) request.state = request.StateAt(now);
  return requests;
}

absl::StatusOr<JoinRequest> Directory::DecideJoinRequest(const Caller& caller,
                                                         const std::string& school_id,
                                                         const std::string& request_id,
                                                         bool approve, const std::string& reason) {
  std::string clean_reason;
  if (!approve) {
    ASSIGN_OR_RETURN(clean_reason, NormalizeNote(reason, 1, 500, "INVALID_REASON"));
  }
  absl::Time now = clock_.Now();
  JoinRequest result;
  RETURN_IF_ERROR(Mutate(caller, [&](DirectoryTx& tx, Recorder& recorder) -> absl::Status {
    ASSIGN_OR_RETURN(PersonFacts facts, CallerFacts(tx, caller, school_id));
    std::optional<JoinRequest> request;
    if (IsUuid(request_id)) {
      ASSIGN_OR_RETURN(request, tx.LockJoinRequest(school_id, request_id));
    }
    if (!request) return NotFound("JOIN_REQUEST_NOT_FOUND", "no such join request in the school");
    if (request->role == Role::kStudent) {
      if (!directory::Decide(Permission::kClassJoinRequestsDecide,
                             ClassRelations(facts, request->class_id))) {
        return Deny("NOT_CLASS_TEACHER", "only an admin or the class teacher decides this");
      }
    } else {
      RETURN_IF_ERROR(RequireAdmin(facts));
    }
    switch (request->StateAt(now)) {
      case JoinRequestState::kPending:
        break;
      case JoinRequestState::kExpired:
        return Error(absl::StatusCode::kFailedPrecondition, "JOIN_REQUEST_EXPIRED",
                     "the join request has expired");
      default:
        return Error(absl::StatusCode::kFailedPrecondition, "JOIN_REQUEST_NOT_PENDING",
                     "the join request was decided already");
    }
    if (approve) {
      RETURN_IF_ERROR(GrantMembership(tx, recorder, school_id, request->user_id, request->role,
                                      request->class_id, now));
    }
    request->state = approve ? JoinRequestState::kApproved : JoinRequestState::kDeclined;
    request->decline_reason = clean_reason;
    request->decided_by = caller.user_id;
    request->decided_at = now;
    RETURN_IF_ERROR(tx.SaveJoinRequest(*request));
    result = *request;
    return absl::OkStatus();
  }));
  return result;
}

absl::StatusOr<std::vector<JoinRequest>> Directory::ListMyJoinRequests(const Caller& caller) {
  std::vector<JoinRequest> requests;
  RETURN_IF_ERROR(store_.Read([&](DirectoryTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(requests, tx.ListUserJoinRequests(caller.user_id));
    return absl::OkStatus();
  }));
  absl::Time now = clock_.Now();
  for (JoinRequest& request : requests) request.state = request.StateAt(now);
  return requests;
}

// ---- the yearly rollover ----

namespace {

// A dry run rolls its transaction back with this status, which never leaves Rollover().
absl::Status DryRunRollback() { return absl::CancelledError("DRY_RUN"); }

bool IsDryRunRollback(const absl::Status& status) {
  return status.code() == absl::StatusCode::kCancelled && status.message() == "DRY_RUN";
}

// A graduate leaves: his student role, and his parents' links (a parent with no other child
// in the school loses the parent role).
absl::Status Graduate(DirectoryTx& tx, Recorder& recorder, const std::string& school_id,
                      const std::string& class_id, const std::string& student_id) {
  RETURN_IF_ERROR(tx.RemoveStudent(class_id, student_id).status());
  RETURN_IF_ERROR(recorder.Record(
      school_id,
      {.kind = Change::Kind::kStudentRemoved, .user_id = student_id, .class_id = class_id}));
  RETURN_IF_ERROR(tx.RemoveRole(school_id, student_id, Role::kStudent).status());
  RETURN_IF_ERROR(recorder.Record(
      school_id,
      {.kind = Change::Kind::kRoleRemoved, .user_id = student_id, .role = Role::kStudent}));
  ASSIGN_OR_RETURN(std::vector<ParentLink> links, tx.ListParentLinks(school_id, student_id));
  for (const ParentLink& link : links) {
    RETURN_IF_ERROR(tx.DeleteParentLink(link.id));
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

}  // namespace

absl::StatusOr<RolloverResult> Directory::Rollover(const Caller& caller,
                                                   const std::string& school_id, int from_year,
                                                   bool dry_run) {
  RETURN_IF_ERROR(CheckAcademicYear(from_year));
  RETURN_IF_ERROR(CheckAcademicYear(from_year + 1));
  absl::Time now = clock_.Now();
  RolloverResult result;
  std::vector<std::string> created;  // classes made by this run (hidden in a dry run)
  absl::Status status = Mutate(caller, [&](DirectoryTx& tx, Recorder& recorder) -> absl::Status {
    result = RolloverResult{.from_year = from_year, .to_year = from_year + 1, .dry_run = dry_run};
    created.clear();
    ASSIGN_OR_RETURN(PersonFacts facts, CallerFacts(tx, caller, school_id));
    RETURN_IF_ERROR(RequireAdmin(facts));
    ASSIGN_OR_RETURN(std::vector<SchoolClass> classes,
                     tx.ListClasses(school_id, from_year, /*include_archived=*/false));
    for (SchoolClass& school_class : classes) {
      if (school_class.grade == 0) continue;  // pre-school groups are regrouped by hand
      ASSIGN_OR_RETURN(ClassRoster roster, tx.LoadRoster(school_class.id));
      if (school_class.grade == 11) {
        for (const std::string& student : roster.student_ids) {
          RETURN_IF_ERROR(Graduate(tx, recorder, school_id, school_class.id, student));
          result.graduated_student_ids.push_back(student);
        }
      } else {
        ASSIGN_OR_RETURN(std::optional<SchoolClass> next,
                         tx.FindActiveClass(school_id, from_year + 1, school_class.grade + 1,
                                            school_class.letter));
        if (!next) {
          next = SchoolClass{.id = ids_.NewId(),
                             .school_id = school_id,
                             .grade = school_class.grade + 1,
                             .letter = school_class.letter,
                             .academic_year = from_year + 1,
                             .class_teacher_id = school_class.class_teacher_id,
                             .created_at = now};
          RETURN_IF_ERROR(tx.InsertClass(*next));
          RETURN_IF_ERROR(recorder.Record(
              school_id, {.kind = Change::Kind::kClassCreated, .school_class = *next}));
          created.push_back(next->id);
        }
        for (const std::string& student : roster.student_ids) {
          RETURN_IF_ERROR(tx.RemoveStudent(school_class.id, student).status());
          RETURN_IF_ERROR(recorder.Record(school_id, {.kind = Change::Kind::kStudentRemoved,
                                                      .user_id = student,
                                                      .class_id = school_class.id}));
          ASSIGN_OR_RETURN(bool added, tx.AddStudent(school_id, next->id, student));
          if (added) {
            RETURN_IF_ERROR(recorder.Record(
                school_id,
                {.kind = Change::Kind::kStudentAdded, .user_id = student, .class_id = next->id}));
          }
        }
        ASSIGN_OR_RETURN(std::vector<TeachingPost> posts,
                         tx.CopyClassTeachers(school_class.id, next->id));
        for (const TeachingPost& post : posts) {
          RETURN_IF_ERROR(recorder.Record(school_id, {.kind = Change::Kind::kTeacherAdded,
                                                      .user_id = post.teacher_id,
                                                      .class_id = next->id,
                                                      .subject = post.subject}));
        }
        result.transfers.push_back({.from_class_id = school_class.id,
                                    .from_display_name = school_class.DisplayName(),
                                    .to_class_id = next->id,
                                    .to_display_name = next->DisplayName(),
                                    .student_count = static_cast<int>(roster.student_ids.size())});
      }
      school_class.archived = true;
      RETURN_IF_ERROR(tx.UpdateClass(school_class));
      RETURN_IF_ERROR(recorder.Record(
          school_id, {.kind = Change::Kind::kClassArchived, .school_class = school_class}));
      result.archived_class_ids.push_back(school_class.id);
    }
    if (!result.archived_class_ids.empty()) {
      RETURN_IF_ERROR(recorder.Record(
          school_id, {.kind = Change::Kind::kRolloverCompleted, .from_year = from_year}));
    }
    return dry_run ? DryRunRollback() : absl::OkStatus();
  });
  if (dry_run && IsDryRunRollback(status)) {
    for (ClassTransfer& transfer : result.transfers) {
      if (std::find(created.begin(), created.end(), transfer.to_class_id) != created.end()) {
        transfer.to_class_id.clear();
      }
    }
    return result;
  }
  RETURN_IF_ERROR(status);
  return result;
}

// ---- timetable ----

absl::StatusOr<Lesson> Directory::CreateLesson(const Caller& caller, Lesson lesson) {
  RETURN_IF_ERROR(NormalizeLesson(lesson));
  lesson.id = ids_.NewId();
  RETURN_IF_ERROR(Mutate(caller, [&](DirectoryTx& tx, Recorder& recorder) -> absl::Status {
    ASSIGN_OR_RETURN(PersonFacts facts, CallerFacts(tx, caller, lesson.school_id));
    RETURN_IF_ERROR(RequireSchool(caller, facts, Permission::kSchoolTimetableManage,
                                  "NOT_SCHOOL_ADMIN", "only an admin of the school edits lessons"));
    ASSIGN_OR_RETURN(SchoolClass school_class, FindClassIn(tx, lesson.school_id, lesson.class_id));
    RETURN_IF_ERROR(RequireActive(school_class));
    RETURN_IF_ERROR(RequireTeacher(tx, lesson.school_id, lesson.teacher_id));
    // The school's row lock makes the overlap check and the insert one step for the school.
    RETURN_IF_ERROR(tx.LockSchool(lesson.school_id).status());
    ASSIGN_OR_RETURN(std::vector<Lesson> clashes,
                     tx.OverlappingLessons(lesson.school_id, lesson.weekday, lesson.start_minute,
                                           lesson.end_minute, lesson.class_id, lesson.teacher_id));
    for (const Lesson& clash : clashes) {
      if (clash.class_id == lesson.class_id) {
        return Error(absl::StatusCode::kFailedPrecondition, "CLASS_BUSY",
                     "the class has another lesson at that time");
      }
    }
    if (!clashes.empty()) {
      return Error(absl::StatusCode::kFailedPrecondition, "TEACHER_BUSY",
                   "the teacher has another lesson at that time");
    }
    RETURN_IF_ERROR(tx.InsertLesson(lesson));
    return recorder.Record(lesson.school_id,
                           {.kind = Change::Kind::kLessonCreated, .lesson = lesson});
  }));
  return lesson;
}

absl::Status Directory::DeleteLesson(const Caller& caller, const std::string& school_id,
                                     const std::string& lesson_id) {
  return Mutate(caller, [&](DirectoryTx& tx, Recorder& recorder) -> absl::Status {
    ASSIGN_OR_RETURN(PersonFacts facts, CallerFacts(tx, caller, school_id));
    RETURN_IF_ERROR(RequireSchool(caller, facts, Permission::kSchoolTimetableManage,
                                  "NOT_SCHOOL_ADMIN", "only an admin of the school edits lessons"));
    std::optional<Lesson> lesson;
    if (IsUuid(lesson_id)) {
      ASSIGN_OR_RETURN(lesson, tx.FindLesson(school_id, lesson_id));
    }
    if (!lesson) return NotFound("LESSON_NOT_FOUND", "no such lesson in the school");
    RETURN_IF_ERROR(tx.DeleteLesson(lesson_id));
    return recorder.Record(school_id, {.kind = Change::Kind::kLessonDeleted, .lesson = *lesson});
  });
}

absl::StatusOr<Timetable> Directory::GetTimetable(const Caller& caller,
                                                  const std::string& school_id,
                                                  const std::string& owner_id, bool by_teacher,
                                                  const std::string& week_of) {
  std::vector<Lesson> lessons;
  std::optional<School> school;
  RETURN_IF_ERROR(store_.Read([&](DirectoryTx& tx) -> absl::Status {
    RETURN_IF_ERROR(CallerFacts(tx, caller, school_id).status());
    if (by_teacher) {
      if (!IsUuid(owner_id)) return MemberNotFound("teacher");
      ASSIGN_OR_RETURN(PersonFacts teacher, tx.LoadFacts(school_id, owner_id));
      if (!teacher.Has(Role::kTeacher)) return MemberNotFound("teacher");
    } else {
      RETURN_IF_ERROR(FindClassIn(tx, school_id, owner_id).status());
    }
    ASSIGN_OR_RETURN(school, tx.FindSchool(school_id));
    ASSIGN_OR_RETURN(lessons, tx.ListLessons(school_id, owner_id, by_teacher));
    return absl::OkStatus();
  }));
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(school->time_zone, &zone)) zone = absl::UTCTimeZone();
  absl::CivilDay day;
  if (week_of.empty()) {
    day = absl::ToCivilDay(clock_.Now(), zone);
  } else if (!absl::ParseCivilTime(week_of, &day)) {
    return InvalidArgument("INVALID_DATE", "week_of must be a date YYYY-MM-DD");
  }
  absl::CivilDay monday = absl::PrevWeekday(day + 1, absl::Weekday::monday);
  Timetable timetable{.time_zone = school->time_zone, .week_start = absl::FormatCivilTime(monday)};
  for (Lesson& lesson : lessons) {
    absl::CivilDay date = monday + (lesson.weekday - 1);
    auto at = [&](int minute) {
      return absl::FromCivil(
          absl::CivilMinute(date.year(), date.month(), date.day(), minute / 60, minute % 60), zone);
    };
    absl::Time start = at(lesson.start_minute);
    absl::Time end = at(lesson.end_minute);
    timetable.entries.push_back({.lesson = std::move(lesson), .start = start, .end = end});
  }
  return timetable;
}

// ---- roster import and school-managed accounts ----

namespace {

// "5А" (or "5 а", "5A") → grade and normalised letter; nullopt when it is not a class name.
std::optional<std::pair<int, std::string>> ParseClassName(const std::string& name) {
  size_t digits = 0;
  while (digits < name.size() && absl::ascii_isdigit(static_cast<unsigned char>(name[digits]))) {
    ++digits;
  }
  int grade = 0;
  if (digits == 0 || digits > 2 || !absl::SimpleAtoi(name.substr(0, digits), &grade) || grade < 1 ||
      grade > 11) {
    return std::nullopt;
  }
  absl::StatusOr<std::string> letter = NormalizeClassLetter(grade, name.substr(digits));
  if (!letter.ok()) return std::nullopt;
  return std::pair{grade, *letter};
}

// The identity service's key of an imported person: no personal data leaves the directory.
std::string ExternalKey(const std::string& school_id, const std::string& person_key) {
  return absl::StrCat("directory/", school_id, "/",
                      absl::BytesToHexString(HashInvitationCode(person_key)));
}

}  // namespace

absl::StatusOr<ImportReport> Directory::ImportRoster(const Caller& caller,
                                                     const std::string& school_id,
                                                     const std::string& csv, int academic_year,
                                                     bool dry_run) {
  RETURN_IF_ERROR(CheckAcademicYear(academic_year));
  absl::Time now = clock_.Now();
  ASSIGN_OR_RETURN(ParsedRoster roster, ParseRoster(csv, absl::ToCivilDay(now, absl::UTCTimeZone()),
                                                    settings_.max_import_rows));
  ImportReport report{.rows = static_cast<int>(roster.rows.size() + roster.rejected.size()),
                      .rejected = std::move(roster.rejected),
                      .dry_run = dry_run};

  // Check the lines against the school and find the people imported before.
  struct Planned {
    RosterRow row;
    std::string class_id;
    std::optional<ManagedPerson> known;
  };
  std::vector<Planned> planned;
  std::vector<RejectedRow> unknown_classes;
  RETURN_IF_ERROR(store_.Read([&](DirectoryTx& tx) -> absl::Status {
    planned.clear();
    unknown_classes.clear();
    ASSIGN_OR_RETURN(PersonFacts facts, CallerFacts(tx, caller, school_id));
    RETURN_IF_ERROR(RequireAdmin(facts));
    ASSIGN_OR_RETURN(std::vector<SchoolClass> classes,
                     tx.ListClasses(school_id, academic_year, /*include_archived=*/false));
    std::vector<std::string> keys;
    for (const RosterRow& row : roster.rows) keys.push_back(row.PersonKey());
    ASSIGN_OR_RETURN(std::vector<ManagedPerson> known, tx.FindManagedPeople(school_id, keys));
    for (RosterRow& row : roster.rows) {
      Planned plan{.row = row};
      if (row.role == Role::kStudent) {
        auto name = ParseClassName(row.class_name);
        for (const SchoolClass& c : classes) {
          if (name && c.grade == name->first && c.letter == name->second) plan.class_id = c.id;
        }
        if (plan.class_id.empty()) {
          unknown_classes.push_back(
              {.line = row.line,
               .reason = "CLASS_NOT_FOUND",
               .message = absl::StrCat("no active class ", row.class_name, " in ", academic_year)});
          continue;
        }
      }
      for (const ManagedPerson& person : known) {
        if (person.person_key == row.PersonKey()) plan.known = person;
      }
      planned.push_back(std::move(plan));
    }
    return absl::OkStatus();
  }));

  report.rejected.insert(report.rejected.end(), unknown_classes.begin(), unknown_classes.end());

  // New people get accounts first (identity finds them again by key if this import is retried,
  // so a failure below leaves nothing that a retry would duplicate).
  std::vector<AccountService::NewAccount> wanted;
  std::vector<size_t> wanted_index;
  for (size_t i = 0; i < planned.size(); ++i) {
    if (planned[i].known) continue;
    wanted.push_back({.display_name = planned[i].row.DisplayName(),
                      .external_key = ExternalKey(school_id, planned[i].row.PersonKey())});
    wanted_index.push_back(i);
  }
  std::vector<ManagedAccount> made;
  if (!dry_run && !wanted.empty()) {
    ASSIGN_OR_RETURN(made, accounts_.CreateManagedAccounts(wanted));
    if (made.size() != wanted.size()) {
      return Internal("ACCOUNTS_MISMATCH", "identity answered for a different number of people");
    }
  }
  std::vector<ImportedPerson> people;
  std::vector<RejectedRow> late_rejections;
  absl::Status applied = Mutate(caller, [&](DirectoryTx& tx, Recorder& recorder) -> absl::Status {
    people.clear();
    late_rejections.clear();
    for (size_t i = 0, next_made = 0; i < planned.size(); ++i) {
      const Planned& plan = planned[i];
      ImportedPerson person{.line = plan.row.line,
                            .display_name = plan.row.DisplayName(),
                            .role = plan.row.role,
                            .class_id = plan.class_id};
      if (plan.known) {
        person.account_id = plan.known->account_id;
        person.username = plan.known->username;
      } else if (!dry_run) {
        const ManagedAccount& account = made[next_made++];
        person.account_id = account.account_id;
        person.username = account.username;
        person.login_code = account.login_code;
        person.created = true;
        RETURN_IF_ERROR(tx.InsertManagedPerson({.school_id = school_id,
                                                .person_key = plan.row.PersonKey(),
                                                .account_id = account.account_id,
                                                .display_name = person.display_name,
                                                .username = account.username,
                                                .role = plan.row.role}));
      } else {
        person.created = true;
      }
      if (!person.account_id.empty()) {
        absl::Status granted = GrantMembership(tx, recorder, school_id, person.account_id,
                                               plan.row.role, plan.class_id, now);
        if (ReasonOf(granted) == "ALREADY_IN_ANOTHER_CLASS") {
          late_rejections.push_back({.line = plan.row.line,
                                     .reason = "ALREADY_IN_ANOTHER_CLASS",
                                     .message = std::string(granted.message())});
          continue;
        }
        RETURN_IF_ERROR(granted);
      }
      people.push_back(std::move(person));
    }
    // A dry run goes through the same steps and rolls them back.
    return dry_run ? DryRunRollback() : absl::OkStatus();
  });
  if (!(dry_run && IsDryRunRollback(applied))) RETURN_IF_ERROR(applied);
  report.rejected.insert(report.rejected.end(), late_rejections.begin(), late_rejections.end());
  std::sort(report.rejected.begin(), report.rejected.end(),
            [](const RejectedRow& a, const RejectedRow& b) { return a.line < b.line; });
  report.people = std::move(people);
  return report;
}

absl::StatusOr<std::vector<LoginCard>> Directory::IssueClassLoginCodes(
    const Caller& caller, const std::string& school_id, const std::string& class_id) {
  std::vector<ManagedPerson> students;
  RETURN_IF_ERROR(store_.Read([&](DirectoryTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(PersonFacts facts, CallerFacts(tx, caller, school_id));
    RETURN_IF_ERROR(FindClassIn(tx, school_id, class_id).status());
    if (!directory::Decide(Permission::kClassJoinRequestsDecide, ClassRelations(facts, class_id))) {
      return Deny("NOT_CLASS_TEACHER", "only an admin or the class teacher prints login codes");
    }
    ASSIGN_OR_RETURN(students, tx.ManagedStudentsOf(class_id));
    return absl::OkStatus();
  }));
  std::vector<std::string> ids;
  for (const ManagedPerson& student : students) ids.push_back(student.account_id);
  std::vector<LoginCard> cards;
  if (ids.empty()) return cards;
  ASSIGN_OR_RETURN(std::vector<ManagedAccount> codes, accounts_.IssueLoginCodes(ids));
  // Who printed whose codes is kept: the codes open the children's accounts.
  RETURN_IF_ERROR(store_.Transact([&](DirectoryTx& tx) {
    return tx.Audit(school_id, caller.user_id, "login_codes_issued", class_id, clock_.Now());
  }));
  for (size_t i = 0; i < students.size() && i < codes.size(); ++i) {
    cards.push_back({.student_id = students[i].account_id,
                     .display_name = students[i].display_name,
                     .username = codes[i].username,
                     .login_code = codes[i].login_code,
                     .expires_at = codes[i].code_expires_at});
  }
  log::Info("login codes issued")
      .With("class_id", class_id)
      .With("count", static_cast<int64_t>(cards.size()));
  return cards;
}

absl::StatusOr<Member> Directory::ConfirmMember(const Caller& caller, const std::string& school_id,
                                                const std::string& user_id) {
  std::optional<Member> member;
  RETURN_IF_ERROR(store_.Read([&](DirectoryTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(PersonFacts facts, CallerFacts(tx, caller, school_id));
    RETURN_IF_ERROR(RequireAdmin(facts));
    if (IsUuid(user_id)) {
      ASSIGN_OR_RETURN(member, tx.FindMember(school_id, user_id));
    }
    if (!member) return MemberNotFound("member");
    bool staff = std::any_of(member->roles.begin(), member->roles.end(), [](Role role) {
      return role == Role::kTeacher || role == Role::kEmployee;
    });
    if (!staff) {
      return Error(absl::StatusCode::kFailedPrecondition, "NOT_STAFF",
                   "only teachers and employees are confirmed by their school");
    }
    return absl::OkStatus();
  }));
  RETURN_IF_ERROR(accounts_.ConfirmBySchool(user_id));
  RETURN_IF_ERROR(Mutate(caller, [&](DirectoryTx&, Recorder& recorder) {
    return recorder.Record(school_id, {.kind = Change::Kind::kMemberConfirmed, .user_id = user_id});
  }));
  return *std::move(member);
}

// ---- permission checks ----

absl::StatusOr<bool> Directory::Decide(DirectoryTx& tx, const Caller& subject,
                                       const PersonFacts& facts, Permission permission,
                                       const Resource& resource) {
  if (!facts.SchoolExists()) return false;
  switch (resource.kind) {
    case ResourceKind::kSchool:
      return directory::Decide(permission, SchoolRelations(facts, subject.is_operator));
    case ResourceKind::kClass: {
      ASSIGN_OR_RETURN(std::optional<SchoolClass> found,
                       tx.FindClass(resource.school_id, resource.class_id));
      if (!found) return false;
      return directory::Decide(permission, ClassRelations(facts, resource.class_id));
    }
    case ResourceKind::kMember: {
      ASSIGN_OR_RETURN(PersonFacts target, tx.LoadFacts(resource.school_id, resource.member_id));
      return directory::Decide(permission, MemberRelations(facts, target), TargetKindOf(target));
    }
  }
  return false;
}

absl::StatusOr<std::vector<std::string>> Directory::FilterVisibleMembers(
    const Caller& caller, const std::string& school_id, const std::string& permission_name,
    const std::vector<std::string>& user_ids) {
  std::optional<Permission> permission = PermissionFromName(permission_name);
  if (!permission ||
      (*permission != Permission::kMemberSeePresence && *permission != Permission::kMemberFind &&
       *permission != Permission::kMemberContact &&
       *permission != Permission::kMemberReadHistory)) {
    return InvalidArgument("UNKNOWN_PERMISSION",
                           "permission must be one of the visibility table's: member.see_presence, "
                           "member.find, member.contact, member.read_history");
  }
  if (user_ids.size() > 200) {
    return InvalidArgument("TOO_MANY_USERS", "ask for at most 200 people at a time");
  }
  std::vector<std::string> visible;
  RETURN_IF_ERROR(store_.Read([&](DirectoryTx& tx) -> absl::Status {
    visible.clear();
    ASSIGN_OR_RETURN(PersonFacts facts, CallerFacts(tx, caller, school_id));
    for (const std::string& user_id : user_ids) {
      if (!IsUuid(user_id)) continue;
      ASSIGN_OR_RETURN(PersonFacts target, tx.LoadFacts(school_id, user_id));
      if (directory::Decide(*permission, MemberRelations(facts, target), TargetKindOf(target))) {
        visible.push_back(user_id);
      }
    }
    return absl::OkStatus();
  }));
  return visible;
}

absl::StatusOr<PermissionQuery> Directory::ParsePermissionQuery(
    const Caller& subject, const std::string& permission_name,
    const std::string& resource_text) const {
  std::optional<Permission> permission = PermissionFromName(permission_name);
  if (!permission) {
    return InvalidArgument("UNKNOWN_PERMISSION", "no such permission: see the permission table");
  }
  ASSIGN_OR_RETURN(Resource resource, ParseResource(resource_text));
  if (resource.kind != InfoOf(*permission).resource) {
    return InvalidArgument("PERMISSION_RESOURCE_MISMATCH",
                           "the permission is not about this kind of resource");
  }
  std::string key = absl::StrCat(subject.user_id, subject.is_operator ? "|op|" : "||",
                                 permission_name, "|", resource_text);
  return PermissionQuery{.subject = subject,
                         .permission = *permission,
                         .resource = std::move(resource),
                         .cache_key = std::move(key)};
}

void Directory::LookupPermission(const PermissionQuery& query, PermissionCache::LookupDone done) {
  cache_.Lookup(query.resource.school_id, query.cache_key, std::move(done));
}

absl::StatusOr<bool> Directory::ComputePermission(const PermissionQuery& query, bool cache_usable) {
  bool allowed = false;
  int64_t generation = 0;
  RETURN_IF_ERROR(store_.Read([&](DirectoryTx& tx) -> absl::Status {
    // The generation comes with the subject's facts, in one statement; what is read after it
    // can only be newer. An answer is thus never stored under a generation newer than the state
    // it was computed from (an answer newer than its generation is voided with it).
    ASSIGN_OR_RETURN(PersonFacts facts,
                     tx.LoadFacts(query.resource.school_id, query.subject.user_id));
    generation = facts.school_generation;
    ASSIGN_OR_RETURN(allowed, Decide(tx, query.subject, facts, query.permission, query.resource));
    return absl::OkStatus();
  }));
  if (cache_usable && generation > 0) {
    // A cache that could not answer the lookup is not written to.
    cache_.Store(query.resource.school_id, generation, query.cache_key, allowed).IgnoreError();
  }
  return allowed;
}

absl::StatusOr<std::vector<Membership>> Directory::ListMemberships(const std::string& user_id) {
  if (!IsUuid(user_id)) return InvalidArgument("INVALID_SUBJECT", "subject must be an account id");
  std::vector<Membership> memberships;
  RETURN_IF_ERROR(store_.Read([&](DirectoryTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(memberships, tx.ListMemberships(user_id));
    return absl::OkStatus();
  }));
  return memberships;
}

absl::StatusOr<std::vector<Event>> Directory::ListEvents(const std::string& school_id,
                                                         int64_t after_sequence, int limit) {
  if (after_sequence < 0) {
    return InvalidArgument("INVALID_SEQUENCE", "after_sequence must not be negative");
  }
  ASSIGN_OR_RETURN(int size, PageSize(limit == 0 ? 500 : limit, 1000));
  if (!IsUuid(school_id)) return SchoolNotFound();
  bool exists = false;
  RETURN_IF_ERROR(store_.Read([&](DirectoryTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<School> school, tx.FindSchool(school_id));
    exists = school.has_value();
    return absl::OkStatus();
  }));
  if (!exists) return SchoolNotFound();
  return store_.ReadEvents(school_id, after_sequence, size);
}

}  // namespace parta::directory
