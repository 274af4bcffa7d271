#pragma once

// The directory's use cases. Each one authorises its caller through the permission table
// (domain/policy.h) against facts read in its own transaction, applies the change, and records
// it (generation bump, outbox event, audit) in that same transaction; after commit it advances
// the permission cache so that no stale answer is served.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/core/clock.h"
#include "libs/core/random.h"
#include "services/directory/domain/model.h"
#include "services/directory/domain/policy.h"
#include "services/directory/domain/ports.h"

namespace parta::directory {

class Recorder;

// Who calls: an account (from its verified token).
// A checked permission question and its cache key.
struct PermissionQuery {
  Caller subject;
  Permission permission;
  Resource resource;
  std::string cache_key;
};

struct DirectorySettings {
  absl::Duration default_invitation_ttl = absl::Hours(24 * 7);
  absl::Duration max_invitation_ttl = absl::Hours(24 * 30);
  absl::Duration parent_invitation_ttl = absl::Hours(24);
  int max_parents_per_student = 4;
  int max_import_rows = 2000;
  absl::Duration join_request_ttl = absl::Hours(24 * 30);
  // How long a create with a request id is answered again rather than made anew.
  absl::Duration create_retry_window = absl::Hours(1);
  // How long audit log entries are kept.
  absl::Duration audit_retention = absl::Hours(24 * 365 * 3);
};

// A page of a list: asked with the client's page size (0: the list's default) and token (empty:
// the first page); answered with the next page's token (empty: the last page).
struct Page {
  int size = 0;
  std::string token;  // opaque (libs/core/page_token.h), bound to its list and scope
};

// A page of a school's events, and whether more follow it.
struct EventPage {
  std::vector<Event> events;
  bool has_more = false;
};

struct NewInvitation {
  Invitation invitation;
  std::string code;  // shown once
};

struct Redemption {
  std::string school_id;
  Role role = Role::kStudent;
  std::string class_id;
  std::optional<ParentLink> parent_link;
};

// A roster sync of a regional system (SyncRoster): classes and people keyed by its own ids.
struct SyncedClassEntry {
  std::string external_id;
  std::string name;  // "5А"
  std::string teacher_external_id;
};

struct SyncedPersonEntry {
  std::string external_id;
  Role role = Role::kStudent;  // student, parent, teacher or employee
  std::string last_name;
  std::string first_name;
  std::string middle_name;
  std::string birth_date;         // "YYYY-MM-DD"; pupils only need one
  std::string class_external_id;  // pupils
  std::vector<std::string> child_external_ids;  // parents
};

struct RosterSync {
  std::string school_id;
  int academic_year = 0;
  std::vector<SyncedClassEntry> classes;
  std::vector<SyncedPersonEntry> people;
  bool dry_run = false;
  bool remove_missing = false;
};

enum class SyncAction { kCreated, kUpdated, kUnchanged, kRemoved, kRejected };

struct SyncOutcome {
  std::string kind;  // "class", "person"
  std::string external_id;
  SyncAction action = SyncAction::kUnchanged;
  std::string id;  // the class or account id
  std::string reason;
  std::string message;
  std::string username;    // created people
  std::string login_code;  // created people
};

struct RosterSyncReport {
  std::vector<SyncOutcome> results;  // classes, then people, in request order; removals last
  bool dry_run = false;

  int Count(SyncAction action) const;
};

// A consent given or withdrawn (GiveConsent, WithdrawConsent).
struct ConsentChange {
  std::string person_id;
  ConsentPurpose purpose = ConsentPurpose::kService;
  std::string text_version;  // giving: the version the giver read
  ConsentMethod method = ConsentMethod::kOnline;
  std::string school_id;    // paper: the recording admin's school
  std::string parent_name;  // paper: the parent's name as signed
};

struct SchoolUpdate {
  School school;                   // id and new values
  std::vector<std::string> paths;  // field names to change
};

struct ClassUpdate {
  SchoolClass school_class;        // id and new values
  std::vector<std::string> paths;  // "letter", "class_teacher_id"
};

class Directory {
 public:
  Directory(DirectoryStore& store, PermissionCache& cache, AccountService& accounts,
            const Clock& clock, IdGenerator& ids, DirectorySettings settings)
      : store_(store),
        cache_(cache),
        accounts_(accounts),
        clock_(clock),
        ids_(ids),
        settings_(std::move(settings)) {}

  absl::StatusOr<School> CreateSchool(const Caller& caller, School school,
                                      const RetryKey& retry = {});
  absl::StatusOr<School> GetSchool(const Caller& caller, const std::string& school_id);
  absl::StatusOr<School> UpdateSchool(const Caller& caller, SchoolUpdate update);
  absl::StatusOr<std::vector<School>> ListSchools(const Caller& caller, const std::string& query,
                                                  Page& page);

  absl::StatusOr<std::vector<Member>> ListMembers(const Caller& caller,
                                                  const std::string& school_id,
                                                  std::optional<Role> role, Page& page);
  absl::StatusOr<Member> RemoveMemberRole(const Caller& caller, const std::string& school_id,
                                          const std::string& user_id, Role role);
  absl::StatusOr<Member> SetTeacherSubjects(const Caller& caller, const std::string& school_id,
                                            const std::string& user_id,
                                            const std::vector<std::string>& subjects);

  absl::StatusOr<SchoolClass> CreateClass(const Caller& caller, SchoolClass school_class,
                                          const RetryKey& retry = {});
  absl::StatusOr<SchoolClass> GetClass(const Caller& caller, const std::string& school_id,
                                       const std::string& class_id);
  absl::StatusOr<std::vector<SchoolClass>> ListClasses(const Caller& caller,
                                                       const std::string& school_id,
                                                       int academic_year, bool include_archived,
                                                       Page& page);
  absl::StatusOr<SchoolClass> UpdateClass(const Caller& caller, const std::string& school_id,
                                          ClassUpdate update);
  absl::StatusOr<SchoolClass> ArchiveClass(const Caller& caller, const std::string& school_id,
                                           const std::string& class_id);
  absl::StatusOr<ClassRoster> GetClassRoster(const Caller& caller, const std::string& school_id,
                                             const std::string& class_id);
  absl::StatusOr<ClassRoster> AddClassTeacher(const Caller& caller, const std::string& school_id,
                                              const std::string& class_id,
                                              const std::string& teacher_id,
                                              const std::string& subject);
  absl::StatusOr<ClassRoster> MoveStudent(const Caller& caller, const std::string& school_id,
                                          const std::string& student_id,
                                          const std::string& to_class_id);

  absl::StatusOr<NewInvitation> CreateInvitation(const Caller& caller, const std::string& school_id,
                                                 Role role, const std::string& class_id,
                                                 absl::Duration ttl, int max_uses,
                                                 const RetryKey& retry = {});
  absl::StatusOr<NewInvitation> CreateParentInvitation(const Caller& caller,
                                                       const std::string& school_id,
                                                       const std::string& student_id,
                                                       const RetryKey& retry = {});
  absl::StatusOr<std::vector<Invitation>> ListInvitations(const Caller& caller,
                                                          const std::string& school_id,
                                                          bool include_inactive, Page& page);
  absl::StatusOr<Invitation> RevokeInvitation(const Caller& caller, const std::string& school_id,
                                              const std::string& invitation_id);
  absl::StatusOr<Redemption> RedeemInvitation(const Caller& caller, const std::string& code);

  absl::StatusOr<std::vector<ParentLink>> ListParentLinks(const Caller& caller,
                                                          const std::string& school_id,
                                                          const std::string& student_id,
                                                          Page& page);
  absl::StatusOr<ParentLink> ConfirmParentLink(const Caller& caller, const std::string& school_id,
                                               const std::string& link_id);
  // Changes the fields of `settings` named by `paths` ("safe_mode").
  absl::StatusOr<StudentSettings> UpdateStudentSettings(const Caller& caller,
                                                        const std::string& school_id,
                                                        const std::string& student_id,
                                                        const StudentSettings& settings,
                                                        const std::vector<std::string>& paths);

  absl::StatusOr<JoinRequest> CreateJoinRequest(const Caller& caller, const std::string& school_id,
                                                Role role, const std::string& class_id,
                                                const std::string& message);
  absl::StatusOr<std::vector<JoinRequest>> ListJoinRequests(const Caller& caller,
                                                            const std::string& school_id,
                                                            bool include_decided, Page& page);
  // Approves (`approve`) or declines (with `reason`) a pending request.
  absl::StatusOr<JoinRequest> DecideJoinRequest(const Caller& caller, const std::string& school_id,
                                                const std::string& request_id, bool approve,
                                                const std::string& reason);
  absl::StatusOr<std::vector<JoinRequest>> ListMyJoinRequests(const Caller& caller, Page& page);

  absl::StatusOr<RolloverResult> Rollover(const Caller& caller, const std::string& school_id,
                                          int from_year, bool dry_run);

  absl::StatusOr<Lesson> CreateLesson(const Caller& caller, Lesson lesson,
                                      const RetryKey& retry = {});
  absl::Status DeleteLesson(const Caller& caller, const std::string& school_id,
                            const std::string& lesson_id);
  // The week containing `week_of` ("YYYY-MM-DD", empty: this week) of a class, or of a teacher
  // with `by_teacher`.
  absl::StatusOr<Timetable> GetTimetable(const Caller& caller, const std::string& school_id,
                                         const std::string& owner_id, bool by_teacher,
                                         const std::string& week_of);

  // Imports a roster file (domain/roster_csv.h) into the classes of `academic_year`: every new
  // person gets a school-managed account with a one-time code; people imported before are
  // found again (by name, birth date and role) and get nothing new. Lines that fail are
  // reported; the others are applied together. `dry_run` checks and reports only.
  absl::StatusOr<ImportReport> ImportRoster(const Caller& caller, const std::string& school_id,
                                            const std::string& csv, int academic_year,
                                            bool dry_run);
  // New one-time codes for the imported students of a class, to print (admins, class teacher).
  absl::StatusOr<std::vector<LoginCard>> IssueClassLoginCodes(const Caller& caller,
                                                              const std::string& school_id,
                                                              const std::string& class_id);
  // A government-verified parent claims a child the state's register lists as his
  // (`government_child_id`, the identity service's ListEsiaChildren): the school's imported pupil
  // of that name and birth date (ё read as е) becomes his child, confirmed without the class
  // teacher; the school's admins and the child's other parents are told by the event, as for any
  // confirmed link. Claiming again answers the same link.
  absl::StatusOr<ParentLink> ClaimChild(const Caller& caller, const std::string& school_id,
                                        const std::string& government_child_id);
  // A parent confirmed in the school asks for his child's erasure (domain/account_changes.cc):
  // identity closes the child's account; when the erasure becomes final. MEMBER_NOT_FOUND (no
  // such pupil), NOT_CHILDS_PARENT, REASON_REQUIRED, and identity's ACCOUNT_DELETED.
  absl::StatusOr<absl::Time> RequestChildErasure(const Caller& caller,
                                                 const std::string& school_id,
                                                 const std::string& student_id,
                                                 const std::string& reason);
  // An admin confirms a teacher or employee: identity raises the account's verification level.
  absl::StatusOr<Member> ConfirmMember(const Caller& caller, const std::string& school_id,
                                       const std::string& user_id);

  // The ids among `user_ids` the caller may see present, find, contact or read the direct
  // history of (`permission`, a visibility permission), in `school_id`.
  absl::StatusOr<std::vector<std::string>> FilterVisibleMembers(
      const Caller& caller, const std::string& school_id, const std::string& permission,
      const std::vector<std::string>& user_ids);

  // May `subject` do `permission` on `resource`? In three steps, so that a cached answer costs
  // no thread: ParsePermissionQuery checks the question, LookupPermission asks the cache without
  // blocking, and only on a miss (or when the cache cannot answer) ComputePermission decides
  // from Postgres, which blocks. Nothing is ever allowed because a cache failed.
  absl::StatusOr<PermissionQuery> ParsePermissionQuery(const Caller& subject,
                                                       const std::string& permission,
                                                       const std::string& resource) const;
  void LookupPermission(const PermissionQuery& query, PermissionCache::LookupDone done);
  // `cache_usable`: the lookup worked (a miss), so the answer is kept for the next caller.
  absl::StatusOr<bool> ComputePermission(const PermissionQuery& query, bool cache_usable);
  absl::StatusOr<std::vector<Membership>> ListMemberships(const std::string& user_id, Page& page);
  // `client_covers`: whether the calling client may touch a school (API clients limited to
  // schools or regions); asked before anything else, an unknown school counting as not covered.
  absl::StatusOr<EventPage> ListEvents(const std::string& school_id, int64_t after_sequence,
                                       int limit,
                                       const std::function<bool(const School&)>& client_covers);
  // Regional systems' roster sync (domain/roster_sync.cc). `client_covers` as for ListEvents.
  absl::StatusOr<RosterSyncReport> SyncRoster(
      const std::function<bool(const School&)>& client_covers, const RosterSync& sync);
  // Forgets retried creates' claims older than the retry window (the purge task).
  absl::StatusOr<int64_t> PurgeRetryClaims();
  // Deletes audit entries older than the retention; returns how many.
  absl::StatusOr<int64_t> PurgeAuditLog();

  // Identity's account event numbered `sequence` in `stream` (domain/account_changes.cc),
  // applied once: each school of the person writes it to its audit log; an erasure also removes
  // him from every school, as if an admin removed each of his roles, and deletes what is left.
  absl::Status ApplyAccountChange(absl::string_view stream, int64_t sequence,
                                  const AccountChange& change);

  // Consents to the processing of personal data (domain/consents.cc; the rules are in
  // services/directory/README.md). The current text of each purpose: anyone may read them.
  absl::StatusOr<std::vector<ConsentText>> ListConsentTexts();
  // A new version of a purpose's text, current from now on: operators only. OPERATOR_ONLY,
  // INVALID_VERSION, INVALID_TEXT, VERSION_EXISTS.
  absl::StatusOr<ConsentText> PublishConsentText(const Caller& caller, ConsentText text);
  // Records a consent to the current text; giving the consent that holds again changes nothing.
  // PERSON_NOT_FOUND, SCHOOL_NOT_FOUND, NOT_ALLOWED_FOR_PERSON, PARENT_NAME_REQUIRED,
  // TEXT_VERSION_OUTDATED, PURPOSE_NOT_FOR_PERSON.
  absl::StatusOr<ConsentState> GiveConsent(const Caller& caller, const ConsentChange& change);
  // Withdraws the consent with its effects: safe mode back on in every school (visibility), or
  // the person's erasure asked of identity (SERVICE, CHILD_DATA). As GiveConsent, and NO_CONSENT.
  absl::StatusOr<ConsentState> WithdrawConsent(const Caller& caller, const ConsentChange& change);
  // One state per purpose that applies to the person. PERSON_NOT_FOUND, NOT_ALLOWED_FOR_PERSON.
  absl::StatusOr<std::vector<ConsentState>> ListConsents(const Caller& caller,
                                                         const std::string& person_id);
  // The school's members without a valid required consent, by name: its admins and operators.
  // SCHOOL_NOT_FOUND, NOT_SCHOOL_ADMIN, INVALID_PAGE_SIZE, INVALID_PAGE_TOKEN.
  absl::StatusOr<std::vector<MissingConsent>> ListMissingConsents(const Caller& caller,
                                                                  const std::string& school_id,
                                                                  Page& page);
  // What the directory holds about a person, for his data export (domain/person_export.cc);
  // the caller is a service that checked who asked. INVALID_PERSON_ID.
  absl::StatusOr<PersonExport> ExportPersonData(const std::string& person_id);

  // The school's audit log, the newest first: its admins and operators only.
  // SCHOOL_NOT_FOUND, NOT_SCHOOL_ADMIN, INVALID_PERSON_ID, INVALID_ACTION, INVALID_TIME_RANGE,
  // INVALID_PAGE_TOKEN, INVALID_PAGE_SIZE.
  absl::StatusOr<std::vector<AuditRecord>> ListAuditLog(const Caller& caller,
                                                        const std::string& school_id,
                                                        const AuditQuery& query, Page& page);

 private:
  // Runs `work` in a transaction and then advances the cache of every school it changed.
  absl::Status Mutate(const Caller& caller,
                      const std::function<absl::Status(DirectoryTx&, Recorder&)>& work);
  // `facts`: the subject's, in the resource's school. `asked_level`: set when the answer rests
  // on the subject's verification level (NeedsVouchedAdult).
  absl::StatusOr<bool> Decide(DirectoryTx& tx, const Caller& subject, const PersonFacts& facts,
                              Permission permission, const Resource& resource, bool& asked_level);
  // The school an API client asks about, after checking that `client_covers` it: nullopt for a
  // school that does not exist (when the client is not limited; a limited one is refused);
  // PERMISSION_DENIED `SCHOOL_NOT_IN_CLIENT_SCOPE` otherwise. Asked before anything else, the
  // same for a school that does not exist: a client learns nothing of schools it may not touch.
  absl::StatusOr<std::optional<School>> SchoolForClient(
      const std::string& school_id, const std::function<bool(const School&)>& client_covers);
  // Whether the identity service vouches for the account: school-confirmed or
  // government-verified (domain/government_parents.cc).
  absl::StatusOr<bool> IsVouchedAdult(const std::string& user_id);

  DirectoryStore& store_;
  PermissionCache& cache_;
  AccountService& accounts_;
  const Clock& clock_;
  IdGenerator& ids_;
  const DirectorySettings settings_;
};

}  // namespace parta::directory
