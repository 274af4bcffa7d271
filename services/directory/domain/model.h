#pragma once

// The directory's entities, as the use cases see them. Plain values: no protos, no SQL.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/core/retry_key.h"

namespace parta::directory {

enum class Role { kAdmin, kTeacher, kEmployee, kStudent, kParent };
inline constexpr Role kAllRoles[] = {Role::kAdmin, Role::kTeacher, Role::kEmployee, Role::kStudent,
                                     Role::kParent};

// Stored and logged names: "admin", "teacher", …
absl::string_view RoleName(Role role);
std::optional<Role> RoleFromName(absl::string_view name);
// Admin, teacher and employee: the school's staff.
inline bool IsStaffRole(Role role) {
  return role == Role::kAdmin || role == Role::kTeacher || role == Role::kEmployee;
}

// Who calls: his account, whether he is a platform operator, and where the request came from
// (written to the audit log).
struct Caller {
  std::string user_id;
  bool is_operator = false;
  std::string client_address;
};

// One entry of a school's audit log.
struct AuditRecord {
  int64_t id = 0;
  std::string actor_id;  // empty: the platform
  std::string action;
  std::string subject_id;
  absl::Time at;
  std::string client_address;
};

// Which audit entries to read: by or about a person, of an action (a trailing `*` matches a
// prefix), within [since, until).
struct AuditQuery {
  std::string person_id;
  std::string action;
  std::optional<absl::Time> since;
  std::optional<absl::Time> until;
};

struct School {
  std::string id;
  std::string name;
  std::string short_name;
  std::string region_code;
  std::string address;
  std::string time_zone;
  std::string inn;
  std::string ogrn;
  std::string description;
  std::string contacts;
  std::string logo_content_id;
  // Hosts of the school's calls may invite people without an account by guest links.
  bool call_guests_allowed = false;
  // Only adults the state or the school vouches for (VerificationLevel kSchoolConfirmed or
  // higher) may contact its pupils or be confirmed as parents.
  bool verified_adults_only = false;
  absl::Time created_at;
  absl::Time updated_at;
};

struct Member {
  std::string school_id;
  std::string user_id;
  std::vector<Role> roles;  // in kAllRoles order
  std::vector<std::string> subjects;
  absl::Time joined_at;
};

struct SchoolClass {
  std::string id;
  std::string school_id;
  int grade = 0;          // 1–11; 0 for a pre-school group
  std::string letter;     // normalised
  int academic_year = 0;  // 2026 for 2026/27
  std::string class_teacher_id;
  bool archived = false;
  absl::Time created_at;

  // "5А"; a pre-school group is shown by its name.
  std::string DisplayName() const;
};

struct ClassTeacher {
  std::string user_id;
  std::string subject;  // empty: the class teacher himself
};

// What a teacher does in one class.
struct TeachingPost {
  std::string class_id;
  std::string teacher_id;
  std::string subject;  // empty: he is its class teacher
};

struct RosterParent {
  std::string parent_id;
  std::string student_id;
};

struct ClassRoster {
  SchoolClass school_class;
  std::vector<std::string> student_ids;
  std::vector<ClassTeacher> teachers;
  std::vector<RosterParent> parents;
};

struct Invitation {
  std::string id;
  std::string school_id;
  Role role = Role::kStudent;
  std::string class_id;    // students
  std::string student_id;  // parent invitations
  std::string code_hash;   // SHA-256 of the normalised code
  absl::Time expires_at;
  int max_uses = 1;
  int uses = 0;
  std::string creator_id;
  bool revoked = false;
  absl::Time created_at;
};

enum class ParentLinkState { kPending, kConfirmed };

struct ParentLink {
  std::string id;
  std::string school_id;
  std::string parent_id;
  std::string student_id;
  ParentLinkState state = ParentLinkState::kPending;
  absl::Time created_at;
  std::string confirmed_by;
  std::optional<absl::Time> confirmed_at;
  // Confirmed because the state's register lists the child as the parent's (ClaimChild);
  // `confirmed_by` is then empty.
  bool confirmed_by_government = false;
};

struct StudentSettings {
  std::string school_id;
  std::string student_id;
  bool safe_mode = true;
};

enum class JoinRequestState { kPending, kApproved, kDeclined, kExpired };
// As stored and exported: "pending", "approved", "declined", "expired".
absl::string_view JoinRequestStateName(JoinRequestState state);

struct JoinRequest {
  std::string id;
  std::string school_id;
  std::string user_id;
  Role role = Role::kStudent;
  std::string class_id;
  std::string message;
  JoinRequestState state = JoinRequestState::kPending;
  std::string decline_reason;
  std::string decided_by;
  std::optional<absl::Time> decided_at;
  absl::Time created_at;
  absl::Time expires_at;

  // Pending requests past their expiry read as expired.
  JoinRequestState StateAt(absl::Time now) const {
    if (state == JoinRequestState::kPending && expires_at <= now) {
      return JoinRequestState::kExpired;
    }
    return state;
  }
};

// A weekly lesson; times are minutes after local midnight in the school's time zone.
struct Lesson {
  std::string id;
  std::string school_id;
  std::string class_id;
  int weekday = 1;  // ISO: 1 Monday … 7 Sunday
  int start_minute = 0;
  int end_minute = 0;
  std::string subject;
  std::string teacher_id;
  std::string room;
};

// A lesson placed in a given week.
struct TimetableEntry {
  Lesson lesson;
  absl::Time start;
  absl::Time end;
};

struct Timetable {
  std::string time_zone;
  std::string week_start;  // "YYYY-MM-DD", a Monday
  std::vector<TimetableEntry> entries;
};

struct ClassTransfer {
  std::string from_class_id;
  std::string from_display_name;
  std::string to_class_id;
  std::string to_display_name;
  int student_count = 0;
};

struct RolloverResult {
  int from_year = 0;
  int to_year = 0;
  std::vector<ClassTransfer> transfers;
  std::vector<std::string> graduated_student_ids;
  std::vector<std::string> archived_class_ids;
  bool dry_run = false;
};

// One person of a roster file, checked.
struct RosterRow {
  int line = 0;            // 1-based line of the file
  std::string class_name;  // as written ("5А"), empty for staff
  std::string last_name;
  std::string first_name;
  std::string patronymic;  // may be empty
  std::string birth_date;  // "YYYY-MM-DD"
  Role role = Role::kStudent;

  std::string DisplayName() const;
  // Identifies the person within a school across imports (case-insensitive names).
  std::string PersonKey() const;
};

struct RejectedRow {
  int line = 0;
  std::string reason;  // stable: INVALID_NAME, CLASS_NOT_FOUND, DUPLICATE_ROW, …
  std::string message;
};

// A school-managed account known to the directory (it made it by an import).
struct ManagedPerson {
  std::string school_id;
  std::string person_key;
  std::string account_id;
  std::string display_name;
  std::string username;
  Role role = Role::kStudent;
  // The state's id of the person (ESIA's child oid), once a parent claimed him; empty before.
  std::string government_id;
  // The regional system's id of the person (SyncRoster); empty for people only imported.
  std::string external_id;
};

// A class a regional system knows by its own id (SyncRoster).
struct SyncedClassId {
  std::string external_id;
  std::string class_id;
};

// How far an account's holder is vouched for (the identity service's verification level).
enum class VerificationLevel { kNone, kSchoolConfirmed, kGovernmentVerified };

// A child of a government-verified parent, as the state's register lists him.
struct GovernmentChild {
  std::string id;  // the register's id of the child
  std::string last_name;
  std::string first_name;
  std::string middle_name;
  std::string birth_date;  // "YYYY-MM-DD"
};

// An account of the identity service made or found for an import, with its one-time code when
// one was made.
struct ManagedAccount {
  std::string account_id;
  std::string username;
  std::string login_code;  // empty unless made now
  absl::Time code_expires_at;
  bool created = false;
};

struct ImportedPerson {
  int line = 0;
  std::string account_id;
  std::string display_name;
  std::string username;
  std::string login_code;  // only for accounts created by this import
  Role role = Role::kStudent;
  std::string class_id;
  bool created = false;  // a new account (false: known from an earlier import)
};

struct ImportReport {
  int rows = 0;
  std::vector<ImportedPerson> people;
  std::vector<RejectedRow> rejected;
  bool dry_run = false;
};

// What a school prints for one pupil.
struct LoginCard {
  std::string student_id;
  std::string display_name;
  std::string username;
  std::string login_code;
  absl::Time expires_at;
};

// What a consent to the processing of personal data is for (152-FZ art. 9).
enum class ConsentPurpose { kService, kChildData, kSchoolWideVisibility };
inline constexpr ConsentPurpose kAllConsentPurposes[] = {
    ConsentPurpose::kService, ConsentPurpose::kChildData, ConsentPurpose::kSchoolWideVisibility};
// Stored and logged names: "service", "child_data", "school_wide_visibility".
absl::string_view ConsentPurposeName(ConsentPurpose purpose);
std::optional<ConsentPurpose> ConsentPurposeFromName(absl::string_view name);
// SERVICE and CHILD_DATA are required of members; SCHOOL_WIDE_VISIBILITY is optional.
inline bool IsRequiredPurpose(ConsentPurpose purpose) {
  return purpose != ConsentPurpose::kSchoolWideVisibility;
}
// The pupil's purposes, given by his parent (or recorded by his school from a paper form).
inline bool IsPupilPurpose(ConsentPurpose purpose) { return purpose != ConsentPurpose::kService; }

enum class ConsentMethod { kOnline, kPaper };
absl::string_view ConsentMethodName(ConsentMethod method);  // "online", "paper"

enum class ConsentStatus { kGiven, kOutdated, kWithdrawn, kMissing };

// One version of a purpose's text.
struct ConsentText {
  ConsentPurpose purpose = ConsentPurpose::kService;
  std::string version;
  std::string text;
  std::string published_by;  // empty for the texts the migrations ship
  absl::Time published_at;
};

// One consent given, as recorded (every give is a record of its own: the history is kept).
struct ConsentRecord {
  std::string id;
  std::string person_id;
  ConsentPurpose purpose = ConsentPurpose::kService;
  std::string text_version;
  std::string given_by;
  ConsentMethod method = ConsentMethod::kOnline;
  std::string school_id;    // paper forms
  std::string parent_name;  // paper forms
  absl::Time given_at;
  std::optional<absl::Time> withdrawn_at;
  std::string withdrawn_by;
  ConsentMethod withdrawn_method = ConsentMethod::kOnline;
  std::string withdrawn_school_id;    // a paper withdrawal
  std::string withdrawn_parent_name;  // a paper withdrawal
};

// Where a person stands with a purpose: the newest record, if any, read against the current
// text.
struct ConsentState {
  std::string person_id;
  ConsentPurpose purpose = ConsentPurpose::kService;
  ConsentStatus status = ConsentStatus::kMissing;
  std::optional<ConsentRecord> record;  // none when kMissing
};

// A member of a school without a valid required consent (ListMissingConsents).
struct MissingConsent {
  std::string person_id;
  std::string display_name;  // his name in the school (an imported person's); may be empty
  ConsentPurpose purpose = ConsentPurpose::kService;
  ConsentStatus status = ConsentStatus::kMissing;
};

// What the directory holds about a person, for his data export.
struct ExportedClass {
  SchoolClass school_class;
  std::string relation;  // "student", "class_teacher" or "teacher"
  std::string subject;   // "teacher"
};

struct ExportedMembership {
  std::string school_id;
  std::string school_name;
  std::vector<Role> roles;
  std::vector<std::string> subjects;
  absl::Time joined_at;
  std::vector<ExportedClass> classes;
  std::vector<ManagedPerson> records;  // what the school imported or synced about him
};

struct ExportedParentLink {
  ParentLink link;
  std::string school_name;
};

struct PersonExport {
  std::string person_id;
  std::vector<ExportedMembership> memberships;
  std::vector<ExportedParentLink> parent_links;  // as the parent and as the child
  std::vector<ConsentRecord> consents;           // oldest first
  std::vector<JoinRequest> join_requests;        // oldest first
};

// What one person is in one school: the facts every permission is decided from.
struct PersonFacts {
  std::string user_id;
  int64_t school_generation = 0;  // 0: the school does not exist
  std::vector<Role> roles;
  std::vector<std::string> student_classes;   // active classes he studies in
  std::vector<std::string> taught_classes;    // active classes he teaches a subject in
  std::vector<std::string> led_classes;       // active classes he is the class teacher of
  std::vector<std::string> children;          // confirmed children in the school
  std::vector<std::string> children_classes;  // active classes of those children
  std::vector<std::string> parents;           // his confirmed parents (students)
  bool safe_mode = true;                      // students
  bool verified_adults_only = false;          // the school's School::verified_adults_only

  bool Has(Role role) const;
  bool IsMember() const { return !roles.empty(); }
  bool SchoolExists() const { return school_generation > 0; }
};

// One school of a person (ListMemberships).
struct Membership {
  std::string school_id;
  std::vector<Role> roles;
  std::vector<std::string> student_class_ids;
  std::vector<std::string> teacher_class_ids;
  std::vector<std::string> child_ids;
};

// A change to an account made in identity (parta.identity.v1.AccountEvent) that the schools
// of its person learn of.
struct AccountChange {
  enum class Kind { kLocked, kUnlocked, kClosed, kReopened, kErased };
  Kind kind = Kind::kLocked;
  std::string account_id;
  std::string actor_id;  // an operator, the person himself, or empty for the platform
  absl::Time at;
};

// What a use case changed, recorded as a domain event in the school's outbox stream.
struct Change {
  enum class Kind {
    kSchoolCreated,
    kSchoolUpdated,
    kRoleGranted,
    kRoleRemoved,
    kClassCreated,
    kClassUpdated,
    kClassArchived,
    kStudentAdded,
    kStudentRemoved,
    kTeacherAdded,
    kTeacherRemoved,
    kParentLinkRequested,
    kParentLinkConfirmed,
    kParentLinkEnded,
    kStudentSettingsChanged,
    kRolloverCompleted,
    kLessonCreated,
    kLessonDeleted,
    kMemberConfirmed,
  };
  Kind kind;
  std::optional<School> school;
  std::optional<SchoolClass> school_class;
  std::optional<ParentLink> parent_link;
  std::optional<StudentSettings> settings;
  std::optional<Lesson> lesson;
  int from_year = 0;  // rollovers
  std::string user_id;
  std::string class_id;
  std::string subject;
  Role role = Role::kStudent;
  std::vector<std::string> existing_parent_ids;
};

}  // namespace parta::directory
