#pragma once

// What the directory's use cases need from storage and from the permission cache. Implemented
// over Postgres and Redis in adapters/; faked in unit tests.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/core/event.h"
#include "services/directory/domain/model.h"

namespace parta::directory {

// Where a page of classes ends, in ListClasses' order (newest academic year first, then grade,
// letter and id): the next page starts after it.
struct ClassKey {
  int academic_year = 0;
  int grade = 0;
  std::string letter;
  std::string id;
};

// Where a page of a list ordered by name and id ends: the next page starts after it.
struct NameKey {
  std::string name;
  std::string id;
};

// Where a page of a list ordered by creation time and id ends: the next page starts after it
// (before it, for a list of the newest first).
struct CreatedKey {
  absl::Time created_at;
  std::string id;
};

// Reads and writes inside one database transaction. Lookups of objects inside a school always
// take the school id, so an id of another school is simply not found.
class DirectoryTx {
 public:
  virtual ~DirectoryTx() = default;

  // Claims `retry.request_id` of `caller_id` for `operation` with this call's `answer` until the
  // transaction ends (a concurrent claim of the same id waits for it). nullopt: the claim is
  // this call's (also when there is no request id); otherwise the answer of the call that made
  // it. ALREADY_EXISTS (REQUEST_ID_REUSED) when that call asked something else.
  virtual absl::StatusOr<std::optional<std::string>> ClaimRequest(absl::string_view caller_id,
                                                                 absl::string_view operation,
                                                                 const RetryKey& retry,
                                                                 absl::string_view answer,
                                                                 absl::Time now) = 0;

  // ALREADY_EXISTS (SCHOOL_EXISTS) when the INN is taken.
  virtual absl::Status InsertSchool(const School& school) = 0;
  virtual absl::StatusOr<std::optional<School>> FindSchool(absl::string_view id) = 0;
  virtual absl::Status UpdateSchool(const School& school) = 0;
  // Schools ordered by id after `after_id`; `member_id` non-empty: only his schools; `query`
  // non-empty: name or short name contains it (case-insensitive).
  virtual absl::StatusOr<std::vector<School>> ListSchools(absl::string_view query,
                                                          absl::string_view member_id,
                                                          absl::string_view after_id,
                                                          int limit) = 0;

  // What `user_id` is in the school, with the school's generation read in the same statement
  // (school_generation 0: no such school).
  virtual absl::StatusOr<PersonFacts> LoadFacts(absl::string_view school_id,
                                                absl::string_view user_id) = 0;

  // True when the role was new.
  virtual absl::StatusOr<bool> GrantRole(absl::string_view school_id, absl::string_view user_id,
                                         Role role, absl::Time at) = 0;
  // True when the member had the role.
  virtual absl::StatusOr<bool> RemoveRole(absl::string_view school_id, absl::string_view user_id,
                                          Role role) = 0;
  virtual absl::StatusOr<int> CountRole(absl::string_view school_id, Role role) = 0;
  virtual absl::StatusOr<std::optional<Member>> FindMember(absl::string_view school_id,
                                                           absl::string_view user_id) = 0;
  virtual absl::StatusOr<std::vector<Member>> ListMembers(absl::string_view school_id,
                                                          std::optional<Role> role,
                                                          absl::string_view after_user_id,
                                                          int limit) = 0;
  virtual absl::Status SetSubjects(absl::string_view school_id, absl::string_view user_id,
                                   const std::vector<std::string>& subjects) = 0;

  // ALREADY_EXISTS (CLASS_EXISTS) when an active class of that year has the grade and letter.
  virtual absl::Status InsertClass(const SchoolClass& school_class) = 0;
  virtual absl::StatusOr<std::optional<SchoolClass>> FindClass(absl::string_view school_id,
                                                               absl::string_view class_id) = 0;
  virtual absl::StatusOr<std::vector<SchoolClass>> ListClasses(absl::string_view school_id,
                                                               int academic_year,
                                                               bool include_archived) = 0;
  // ListClasses' classes after `after` (nullopt: from the first), at most `limit`.
  virtual absl::StatusOr<std::vector<SchoolClass>> ListClassesPage(
      absl::string_view school_id, int academic_year, bool include_archived,
      const std::optional<ClassKey>& after, int limit) = 0;
  // CLASS_EXISTS as InsertClass.
  virtual absl::Status UpdateClass(const SchoolClass& school_class) = 0;
  // Students, teachers and confirmed parents of a class (its row not included).
  virtual absl::StatusOr<ClassRoster> LoadRoster(absl::string_view class_id) = 0;
  // True when the student was new in the class.
  virtual absl::StatusOr<bool> AddStudent(absl::string_view school_id, absl::string_view class_id,
                                          absl::string_view student_id) = 0;
  // Takes the student out of the class; true when he was in it.
  virtual absl::StatusOr<bool> RemoveStudent(absl::string_view class_id,
                                             absl::string_view student_id) = 0;
  // True when the (teacher, subject) pair was new in the class.
  virtual absl::StatusOr<bool> AddClassTeacher(absl::string_view class_id,
                                               absl::string_view teacher_id,
                                               absl::string_view subject) = 0;
  // Takes a teacher off every class of the school (subjects and class-teacher posts); returns
  // the posts removed, the led classes with subject "".
  virtual absl::StatusOr<std::vector<TeachingPost>> RemoveTeacherEverywhere(
      absl::string_view school_id, absl::string_view teacher_id) = 0;

  virtual absl::Status InsertInvitation(const Invitation& invitation) = 0;
  // The invitation with this code hash, locked until the transaction ends.
  virtual absl::StatusOr<std::optional<Invitation>> LockInvitation(absl::string_view code_hash) = 0;
  virtual absl::StatusOr<std::optional<Invitation>> FindInvitation(
      absl::string_view school_id, absl::string_view invitation_id) = 0;
  // Newest first, before `before` (nullopt: from the newest), at most `limit`.
  virtual absl::StatusOr<std::vector<Invitation>> ListInvitations(
      absl::string_view school_id, bool include_inactive, absl::Time now,
      const std::optional<CreatedKey>& before, int limit) = 0;
  virtual absl::Status SaveInvitationState(const Invitation& invitation) = 0;
  virtual absl::StatusOr<bool> HasRedeemed(absl::string_view invitation_id,
                                           absl::string_view user_id) = 0;
  virtual absl::Status InsertRedemption(absl::string_view invitation_id, absl::string_view user_id,
                                        absl::Time at) = 0;

  virtual absl::Status InsertParentLink(const ParentLink& link) = 0;
  virtual absl::StatusOr<std::optional<ParentLink>> FindParentLink(
      absl::string_view school_id, absl::string_view parent_id, absl::string_view student_id) = 0;
  // Locked until the transaction ends.
  virtual absl::StatusOr<std::optional<ParentLink>> LockParentLink(absl::string_view school_id,
                                                                   absl::string_view link_id) = 0;
  // Every link of the student, oldest first.
  virtual absl::StatusOr<std::vector<ParentLink>> ListParentLinks(absl::string_view school_id,
                                                                  absl::string_view student_id) = 0;
  // ListParentLinks' links after `after` (nullopt: from the oldest), at most `limit`.
  virtual absl::StatusOr<std::vector<ParentLink>> ListParentLinksPage(
      absl::string_view school_id, absl::string_view student_id,
      const std::optional<CreatedKey>& after, int limit) = 0;
  virtual absl::Status SaveParentLink(const ParentLink& link) = 0;
  // Deletes the parent's links in the school (his parent role ended); returns them.
  virtual absl::StatusOr<std::vector<ParentLink>> EndParentLinks(absl::string_view school_id,
                                                                 absl::string_view parent_id) = 0;
  // Deletes the student's links in the school (his student role ended); returns them.
  virtual absl::StatusOr<std::vector<ParentLink>> EndStudentLinks(
      absl::string_view school_id, absl::string_view student_id) = 0;
  // Revokes the school's unrevoked invitations of parents to the student.
  virtual absl::Status RevokeParentInvitations(absl::string_view school_id,
                                               absl::string_view student_id) = 0;

  virtual absl::Status InsertJoinRequest(const JoinRequest& request) = 0;
  // The pending request of `user_id` for `role` in the school, locked.
  virtual absl::StatusOr<std::optional<JoinRequest>> LockPendingJoinRequest(
      absl::string_view school_id, absl::string_view user_id, Role role) = 0;
  virtual absl::StatusOr<std::optional<JoinRequest>> LockJoinRequest(
      absl::string_view school_id, absl::string_view request_id) = 0;
  virtual absl::Status SaveJoinRequest(const JoinRequest& request) = 0;
  // Oldest first, after `after` (nullopt: from the oldest), at most `limit`; `class_ids`
  // non-empty: only requests for those classes.
  virtual absl::StatusOr<std::vector<JoinRequest>> ListJoinRequests(
      absl::string_view school_id, bool include_decided, const std::vector<std::string>& class_ids,
      absl::Time now, const std::optional<CreatedKey>& after, int limit) = 0;
  // Newest first, before `before` (nullopt: from the newest), at most `limit`.
  virtual absl::StatusOr<std::vector<JoinRequest>> ListUserJoinRequests(
      absl::string_view user_id, const std::optional<CreatedKey>& before, int limit) = 0;

  // Locks the school's row until the transaction ends (serialises timetable checks); false when
  // there is no such school.
  virtual absl::StatusOr<bool> LockSchool(absl::string_view school_id) = 0;
  virtual absl::Status InsertLesson(const Lesson& lesson) = 0;
  virtual absl::StatusOr<std::optional<Lesson>> FindLesson(absl::string_view school_id,
                                                           absl::string_view lesson_id) = 0;
  virtual absl::Status DeleteLesson(absl::string_view lesson_id) = 0;
  // Lessons of the school on `weekday` overlapping [start, end) for the class or the teacher.
  virtual absl::StatusOr<std::vector<Lesson>> OverlappingLessons(absl::string_view school_id,
                                                                 int weekday, int start_minute,
                                                                 int end_minute,
                                                                 absl::string_view class_id,
                                                                 absl::string_view teacher_id) = 0;
  // Lessons of a class (or, with `by_teacher`, of a teacher) in active classes, by weekday and
  // start.
  virtual absl::StatusOr<std::vector<Lesson>> ListLessons(absl::string_view school_id,
                                                          absl::string_view owner_id,
                                                          bool by_teacher) = 0;

  // The active class of that year, grade and letter, if any.
  virtual absl::StatusOr<std::optional<SchoolClass>> FindActiveClass(absl::string_view school_id,
                                                                     int academic_year, int grade,
                                                                     absl::string_view letter) = 0;
  // Copies the subject teachers of one class to another; returns the posts added.
  virtual absl::StatusOr<std::vector<TeachingPost>> CopyClassTeachers(
      absl::string_view from_class_id, absl::string_view to_class_id) = 0;

  // People the school imported, by person key.
  virtual absl::StatusOr<std::vector<ManagedPerson>> FindManagedPeople(
      absl::string_view school_id, const std::vector<std::string>& person_keys) = 0;
  virtual absl::Status InsertManagedPerson(const ManagedPerson& person) = 0;
  // The school's managed people a regional system knows by its ids (SyncRoster).
  virtual absl::StatusOr<std::vector<ManagedPerson>> ListSyncedPeople(
      absl::string_view school_id) = 0;
  // Gives the managed person the regional system's id.
  virtual absl::Status SetExternalId(absl::string_view school_id, absl::string_view person_key,
                                     absl::string_view external_id) = 0;
  virtual absl::StatusOr<std::vector<SyncedClassId>> ListSyncedClasses(
      absl::string_view school_id) = 0;
  virtual absl::Status SaveSyncedClass(absl::string_view school_id,
                                       const SyncedClassId& synced) = 0;
  // The school's imported students whose person key, with ё read as е, is `person_key`'s.
  virtual absl::StatusOr<std::vector<ManagedPerson>> FindManagedStudentsLike(
      absl::string_view school_id, absl::string_view person_key) = 0;
  // Records the state's id of an imported person.
  virtual absl::Status SetGovernmentId(absl::string_view school_id, absl::string_view person_key,
                                       absl::string_view government_id) = 0;
  // The imported students of a class.
  virtual absl::StatusOr<std::vector<ManagedPerson>> ManagedStudentsOf(
      absl::string_view class_id) = 0;

  virtual absl::Status SaveStudentSettings(const StudentSettings& settings) = 0;

  // By school id, after the school `after_school_id` (empty: from the first), at most `limit`.
  virtual absl::StatusOr<std::vector<Membership>> ListMemberships(absl::string_view user_id,
                                                                  absl::string_view after_school_id,
                                                                  int limit) = 0;

  // Moves the directory's cursor in an event stream of another service to `sequence`, holding
  // it until the transaction ends; false when that event was applied before.
  virtual absl::StatusOr<bool> AdvanceEventCursor(absl::string_view stream,
                                                  int64_t sequence) = 0;
  // Deletes what is left of an erased person once his roles are gone: his records in archived
  // classes, imported-person records (names, birth dates), join requests, pending parent links,
  // settings, invitation redemptions; a class he led has no class teacher any more.
  virtual absl::Status ErasePerson(absl::string_view user_id) = 0;

  // Consents (domain/consents.cc). The current text of every purpose (its newest), in
  // kAllConsentPurposes order.
  virtual absl::StatusOr<std::vector<ConsentText>> CurrentConsentTexts() = 0;
  // ALREADY_EXISTS (VERSION_EXISTS) when the purpose has a text of that version.
  virtual absl::Status InsertConsentText(const ConsentText& text) = 0;
  // Serialises changes to the person's consents (and checks of them) until the transaction
  // ends.
  virtual absl::Status LockConsentsOf(absl::string_view person_id) = 0;
  // The person's newest consent to `purpose`, if he ever gave one.
  virtual absl::StatusOr<std::optional<ConsentRecord>> LatestConsent(absl::string_view person_id,
                                                                     ConsentPurpose purpose) = 0;
  virtual absl::Status InsertConsent(const ConsentRecord& consent) = 0;
  // Records the withdrawal fields of `consent`.
  virtual absl::Status SaveConsentWithdrawal(const ConsentRecord& consent) = 0;
  // The school's members (as ListMembers has them) whose required consent (CHILD_DATA for
  // pupils, SERVICE for the others) is missing, outdated or withdrawn, by display name and id,
  // after `after` (nullopt: from the first), at most `limit`; one statement.
  virtual absl::StatusOr<std::vector<MissingConsent>> ListMissingConsents(
      absl::string_view school_id, const std::optional<NameKey>& after, int limit) = 0;
  // Everything the directory holds about the person (an unknown person: nothing).
  virtual absl::StatusOr<PersonExport> ExportPerson(absl::string_view person_id) = 0;

  // Writes an audit row for an action that changes no permission (invitations, printed login
  // codes, imports): no generation bump, no event.
  virtual absl::Status Audit(absl::string_view school_id, const Caller& actor,
                             absl::string_view action, absl::string_view subject_id,
                             absl::Time at) = 0;

  // Records a change: bumps the school's permission generation, appends the domain event to the
  // school's outbox stream and writes the audit log. Returns the new generation.
  virtual absl::StatusOr<int64_t> RecordChange(absl::string_view school_id,
                                               const Caller& actor, const Change& change,
                                               absl::Time at) = 0;
  // The school's audit entries matching `query`, the newest first, with ids below `before_id`
  // (0: from the newest), at most `limit`.
  virtual absl::StatusOr<std::vector<AuditRecord>> ListAuditLog(absl::string_view school_id,
                                                                const AuditQuery& query,
                                                                int64_t before_id,
                                                                int limit) = 0;
};

class DirectoryStore {
 public:
  virtual ~DirectoryStore() = default;
  // Commits when `work` returns OK, rolls back otherwise; `work` may run more than once.
  virtual absl::Status Transact(const std::function<absl::Status(DirectoryTx&)>& work) = 0;
  // For reads only: each statement stands alone.
  virtual absl::Status Read(const std::function<absl::Status(DirectoryTx&)>& work) = 0;
  // The school's events after `after_sequence`, in order (catch-up).
  virtual absl::StatusOr<std::vector<Event>> ReadEvents(absl::string_view school_id,
                                                        int64_t after_sequence, int limit) = 0;
  // Forgets the claims of retried creates made before `before`; returns how many.
  virtual absl::StatusOr<int64_t> PurgeRequests(absl::Time before) = 0;
  // Deletes audit entries written before `before`; returns how many.
  virtual absl::StatusOr<int64_t> PurgeAuditLog(absl::Time before) = 0;
};

// The identity service, as the directory uses it (school-managed accounts, confirmations).
class AccountService {
 public:
  virtual ~AccountService() = default;
  struct NewAccount {
    std::string display_name;
    std::string external_key;
  };
  // Creates (or finds, by external key) school-managed accounts, in order; all or nothing.
  virtual absl::StatusOr<std::vector<ManagedAccount>> CreateManagedAccounts(
      const std::vector<NewAccount>& accounts) = 0;
  // New one-time codes for managed accounts, in order.
  virtual absl::StatusOr<std::vector<ManagedAccount>> IssueLoginCodes(
      const std::vector<std::string>& account_ids) = 0;
  // Records that a school confirmed the person (raises the account's verification level).
  virtual absl::Status ConfirmBySchool(const std::string& account_id) = 0;
  // The account's verification level now (kNone for an account identity does not know).
  virtual absl::StatusOr<VerificationLevel> VerificationLevelOf(const std::string& account_id) = 0;
  // A child the state's register lists for the government-verified `parent_id`:
  // FAILED_PRECONDITION NOT_GOVERNMENT_VERIFIED, NOT_FOUND ESIA_CHILD_NOT_FOUND.
  virtual absl::StatusOr<GovernmentChild> GovernmentChildOf(const std::string& parent_id,
                                                            const std::string& child_id) = 0;
  // Closes `account_id` for erasure at `requested_by`'s request (a parent the directory
  // vouches for); when the erasure becomes final. ACCOUNT_DELETED, REASON_REQUIRED.
  virtual absl::StatusOr<absl::Time> RequestErasure(const std::string& account_id,
                                                    const std::string& requested_by,
                                                    const std::string& reason,
                                                    const std::string& client_address) = 0;
};

// Answers of permission checks, keyed by the school's generation: a change to the school
// advances the generation and every older answer is void.
class PermissionCache {
 public:
  virtual ~PermissionCache() = default;
  using LookupDone = std::function<void(absl::StatusOr<std::optional<bool>>)>;
  // The cached answer under the school's current generation, given to `done` (possibly on
  // another thread; it must not block): nullopt on a miss, an error when the cache cannot answer
  // (the caller asks Postgres). Never blocks the calling thread.
  virtual void Lookup(const std::string& school_id, const std::string& key, LookupDone done) = 0;
  // Keeps an answer computed from the state of `generation`.
  virtual absl::Status Store(absl::string_view school_id, int64_t generation, absl::string_view key,
                             bool allowed) = 0;
  // The school is at `generation` now (never moves back).
  virtual absl::Status Advance(absl::string_view school_id, int64_t generation) = 0;
};

}  // namespace parta::directory
