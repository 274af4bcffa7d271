#include "services/directory/domain/directory.h"

#include <algorithm>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/core/log.h"
#include "libs/core/page_token.h"
#include "libs/core/status.h"
#include "services/directory/domain/use_case_support.h"
#include "services/directory/domain/validation.h"

namespace parta::directory {
namespace {

// The token-paged lists of this file: their names bind a token to its list.
constexpr absl::string_view kSchoolsList = "schools";
constexpr absl::string_view kMembersList = "members";
constexpr absl::string_view kClassesList = "classes";
constexpr absl::string_view kMembershipsList = "memberships";
constexpr absl::string_view kAuditList = "audit";

// The id a token of a list ordered by id carries: empty for the first page.
absl::StatusOr<std::string> AfterId(const std::string& token, absl::string_view list,
                                    absl::string_view scope) {
  ASSIGN_OR_RETURN(std::vector<std::string> key, DecodePageToken(token, list, scope, 1));
  if (key.empty()) return std::string();
  if (!IsUuid(key[0])) return InvalidPageToken();
  return key[0];
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

absl::StatusOr<School> Directory::CreateSchool(const Caller& caller, School school,
                                               const RetryKey& retry) {
  if (!caller.is_operator) {
    return Deny("OPERATOR_ONLY", "only a platform operator may create a school");
  }
  RETURN_IF_ERROR(NormalizeSchool(school));
  school.id = ids_.NewId();
  school.created_at = school.updated_at = clock_.Now();
  RETURN_IF_ERROR(Mutate(caller, [&](DirectoryTx& tx, Recorder& recorder) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<std::string> first,
                     tx.ClaimRequest(caller.user_id, "CreateSchool", retry, school.id,
                                     clock_.Now()));
    if (first) {  // a retry: the school the first call made
      ASSIGN_OR_RETURN(std::optional<School> made, tx.FindSchool(*first));
      if (!made) return SchoolNotFound();
      school = *std::move(made);
      return absl::OkStatus();
    }
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
      "name", "short_name",  "region_code", "address",         "time_zone",          "inn",
      "ogrn", "description", "contacts",    "logo_content_id", "call_guests_allowed",
      "verified_adults_only"};
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
      if (path == "call_guests_allowed") next.call_guests_allowed = in.call_guests_allowed;
      if (path == "verified_adults_only") next.verified_adults_only = in.verified_adults_only;
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
  // A token serves the same caller and query only.
  const std::string scope =
      absl::StrCat(caller.user_id, caller.is_operator ? "/operator/" : "/member/", query);
  ASSIGN_OR_RETURN(std::string after, AfterId(page.token, kSchoolsList, scope));
  std::vector<School> schools;
  RETURN_IF_ERROR(store_.Read([&](DirectoryTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(
        schools, tx.ListSchools(query, caller.is_operator ? "" : caller.user_id, after, size + 1));
    return absl::OkStatus();
  }));
  page.token.clear();
  if (static_cast<int>(schools.size()) > size) {
    schools.resize(size);
    page.token = EncodePageToken(kSchoolsList, scope, {schools.back().id});
  }
  return schools;
}

absl::StatusOr<std::vector<Member>> Directory::ListMembers(const Caller& caller,
                                                           const std::string& school_id,
                                                           std::optional<Role> role, Page& page) {
  ASSIGN_OR_RETURN(int size, PageSize(page.size == 0 ? 100 : page.size, 500));
  // A token serves the same school, caller and role filter only.
  const std::string scope = absl::StrCat(school_id, "/", caller.user_id, "/",
                                         role ? RoleName(*role) : absl::string_view("all"));
  ASSIGN_OR_RETURN(std::string after, AfterId(page.token, kMembersList, scope));
  std::vector<Member> members;
  RETURN_IF_ERROR(store_.Read([&](DirectoryTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(PersonFacts facts, CallerFacts(tx, caller, school_id));
    RETURN_IF_ERROR(RequireSchool(caller, facts, Permission::kSchoolMembersList, "NOT_SCHOOL_STAFF",
                                  "only the school's staff list its members"));
    ASSIGN_OR_RETURN(members, tx.ListMembers(school_id, role, after, size + 1));
    return absl::OkStatus();
  }));
  page.token.clear();
  if (static_cast<int>(members.size()) > size) {
    members.resize(size);
    page.token = EncodePageToken(kMembersList, scope, {members.back().user_id});
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
    RETURN_IF_ERROR(RemoveRoleOf(tx, recorder, school_id, target, user_id, role));
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

absl::StatusOr<SchoolClass> Directory::CreateClass(const Caller& caller, SchoolClass school_class,
                                                   const RetryKey& retry) {
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
    ASSIGN_OR_RETURN(std::optional<std::string> first,
                     tx.ClaimRequest(caller.user_id, "CreateClass", retry, school_class.id,
                                     clock_.Now()));
    if (first) {  // a retry: the class the first call made
      ASSIGN_OR_RETURN(school_class, FindClassIn(tx, school_class.school_id, *first));
      return absl::OkStatus();
    }
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
                                                                bool include_archived, Page& page) {
  if (academic_year != 0) RETURN_IF_ERROR(CheckAcademicYear(academic_year));
  ASSIGN_OR_RETURN(int size, PageSize(page.size == 0 ? 100 : page.size, 500));
  // A token serves the same school, caller and filters only.
  const std::string scope = absl::StrCat(school_id, "/", caller.user_id, "/", academic_year, "/",
                                         include_archived ? "all" : "active");
  ASSIGN_OR_RETURN(std::vector<std::string> key,
                   DecodePageToken(page.token, kClassesList, scope, 4));
  std::optional<ClassKey> after;
  if (!key.empty()) {
    after.emplace();
    if (!absl::SimpleAtoi(key[0], &after->academic_year) ||
        !absl::SimpleAtoi(key[1], &after->grade) || !IsUuid(key[3])) {
      return InvalidPageToken();
    }
    after->letter = key[2];
    after->id = key[3];
  }
  std::vector<SchoolClass> classes;
  RETURN_IF_ERROR(store_.Read([&](DirectoryTx& tx) -> absl::Status {
    RETURN_IF_ERROR(CallerFacts(tx, caller, school_id).status());
    ASSIGN_OR_RETURN(
        classes, tx.ListClassesPage(school_id, academic_year, include_archived, after, size + 1));
    return absl::OkStatus();
  }));
  page.token.clear();
  if (static_cast<int>(classes.size()) > size) {
    classes.resize(size);
    const SchoolClass& last = classes.back();
    page.token = EncodePageToken(
        kClassesList, scope,
        {absl::StrCat(last.academic_year), absl::StrCat(last.grade), last.letter, last.id});
  }
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

absl::StatusOr<bool> Directory::Decide(DirectoryTx& tx, const Caller& subject,
                                       const PersonFacts& facts, Permission permission,
                                       const Resource& resource, bool& asked_level) {
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
      const TargetKind kind = TargetKindOf(target);
      if (!directory::Decide(permission, MemberRelations(facts, target), kind)) return false;
      if (!NeedsVouchedAdult(permission, facts, kind)) return true;
      asked_level = true;
      return IsVouchedAdult(subject.user_id);
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
    std::optional<bool> vouched;  // asked once, when it matters
    for (const std::string& user_id : user_ids) {
      if (!IsUuid(user_id)) continue;
      ASSIGN_OR_RETURN(PersonFacts target, tx.LoadFacts(school_id, user_id));
      const TargetKind kind = TargetKindOf(target);
      if (!directory::Decide(*permission, MemberRelations(facts, target), kind)) continue;
      if (NeedsVouchedAdult(*permission, facts, kind)) {
        if (!vouched) {
          ASSIGN_OR_RETURN(vouched, IsVouchedAdult(caller.user_id));
        }
        if (!*vouched) continue;
      }
      visible.push_back(user_id);
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
  bool asked_level = false;
  RETURN_IF_ERROR(store_.Read([&](DirectoryTx& tx) -> absl::Status {
    asked_level = false;
    // The generation comes with the subject's facts, in one statement; what is read after it
    // can only be newer. An answer is thus never stored under a generation newer than the state
    // it was computed from (an answer newer than its generation is voided with it).
    ASSIGN_OR_RETURN(PersonFacts facts,
                     tx.LoadFacts(query.resource.school_id, query.subject.user_id));
    generation = facts.school_generation;
    ASSIGN_OR_RETURN(allowed, Decide(tx, query.subject, facts, query.permission, query.resource,
                                     asked_level));
    return absl::OkStatus();
  }));
  // An answer that rests on a verification level is not kept: the level changes in the identity
  // service without the school's generation moving.
  if (cache_usable && generation > 0 && !asked_level) {
    // A cache that could not answer the lookup is not written to.
    cache_.Store(query.resource.school_id, generation, query.cache_key, allowed).IgnoreError();
  }
  return allowed;
}

absl::StatusOr<std::vector<Membership>> Directory::ListMemberships(const std::string& user_id,
                                                                   Page& page) {
  if (!IsUuid(user_id)) return InvalidArgument("INVALID_SUBJECT", "subject must be an account id");
  ASSIGN_OR_RETURN(int size, PageSize(page.size == 0 ? 100 : page.size, 500));
  ASSIGN_OR_RETURN(std::string after, AfterId(page.token, kMembershipsList, user_id));
  std::vector<Membership> memberships;
  RETURN_IF_ERROR(store_.Read([&](DirectoryTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(memberships, tx.ListMemberships(user_id, after, size + 1));
    return absl::OkStatus();
  }));
  page.token.clear();
  if (static_cast<int>(memberships.size()) > size) {
    memberships.resize(size);
    page.token = EncodePageToken(kMembershipsList, user_id, {memberships.back().school_id});
  }
  return memberships;
}

absl::StatusOr<EventPage> Directory::ListEvents(
    const std::string& school_id, int64_t after_sequence, int limit,
    const std::function<bool(const School&)>& client_covers) {
  ASSIGN_OR_RETURN(std::optional<School> school, SchoolForClient(school_id, client_covers));
  if (after_sequence < 0) {
    return InvalidArgument("INVALID_SEQUENCE", "after_sequence must not be negative");
  }
  ASSIGN_OR_RETURN(int size, PageSize(limit == 0 ? 500 : limit, 1000));
  if (!school) return SchoolNotFound();
  EventPage page;
  ASSIGN_OR_RETURN(page.events, store_.ReadEvents(school_id, after_sequence, size + 1));
  if (static_cast<int>(page.events.size()) > size) {
    page.events.resize(size);
    page.has_more = true;
  }
  return page;
}

absl::StatusOr<std::optional<School>> Directory::SchoolForClient(
    const std::string& school_id, const std::function<bool(const School&)>& client_covers) {
  std::optional<School> school;
  if (IsUuid(school_id)) {
    RETURN_IF_ERROR(store_.Read([&](DirectoryTx& tx) -> absl::Status {
      ASSIGN_OR_RETURN(school, tx.FindSchool(school_id));
      return absl::OkStatus();
    }));
  }
  if (!client_covers(school.value_or(School{.id = school_id}))) {
    return PermissionDenied("SCHOOL_NOT_IN_CLIENT_SCOPE", "this client may not touch the school");
  }
  return school;
}

absl::StatusOr<int64_t> Directory::PurgeAuditLog() {
  return store_.PurgeAuditLog(clock_.Now() - settings_.audit_retention);
}

absl::StatusOr<std::vector<AuditRecord>> Directory::ListAuditLog(const Caller& caller,
                                                                 const std::string& school_id,
                                                                 const AuditQuery& query,
                                                                 Page& page) {
  ASSIGN_OR_RETURN(int size, PageSize(page.size == 0 ? 100 : page.size, 500));
  if (!query.person_id.empty() && !IsUuid(query.person_id)) {
    return InvalidArgument("INVALID_PERSON_ID", "person_id is an account id (a UUID)");
  }
  bool action_ok = query.action.size() <= 100;
  for (size_t i = 0; i < query.action.size(); ++i) {
    const char c = query.action[i];
    const bool last_star = c == '*' && i + 1 == query.action.size();
    action_ok = action_ok && (absl::ascii_islower(static_cast<unsigned char>(c)) || c == '_' ||
                              c == ':' || last_star);
  }
  if (!action_ok) {
    return InvalidArgument("INVALID_ACTION",
                           "an action is lower-case letters, `_` and `:`, with an optional `*` "
                           "at the end");
  }
  if (query.since && query.until && *query.since >= *query.until) {
    return InvalidArgument("INVALID_TIME_RANGE", "start_time must be before end_time");
  }
  // A token serves the same school, caller and filters only.
  const std::string scope = absl::StrCat(
      school_id, "/", caller.user_id, "/", query.person_id, "/", query.action, "/",
      query.since ? absl::ToUnixMicros(*query.since) : 0, "/",
      query.until ? absl::ToUnixMicros(*query.until) : 0);
  ASSIGN_OR_RETURN(std::vector<std::string> key, DecodePageToken(page.token, kAuditList, scope, 1));
  int64_t before_id = 0;
  if (!key.empty() && (!absl::SimpleAtoi(key[0], &before_id) || before_id <= 0)) {
    return InvalidPageToken();
  }
  std::vector<AuditRecord> records;
  RETURN_IF_ERROR(store_.Read([&](DirectoryTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(PersonFacts facts, CallerFacts(tx, caller, school_id));
    if (!caller.is_operator) RETURN_IF_ERROR(RequireAdmin(facts));
    ASSIGN_OR_RETURN(records, tx.ListAuditLog(school_id, query, before_id, size + 1));
    return absl::OkStatus();
  }));
  page.token.clear();
  if (static_cast<int>(records.size()) > size) {
    records.resize(size);
    page.token = EncodePageToken(kAuditList, scope, {absl::StrCat(records.back().id)});
  }
  return records;
}

absl::StatusOr<int64_t> Directory::PurgeRetryClaims() {
  return store_.PurgeRequests(clock_.Now() - settings_.create_retry_window);
}

}  // namespace parta::directory
