#include "services/directory/adapters/pg_store.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "libs/core/status.h"
#include "libs/pg/event_cursor.h"
#include "libs/pg/outbox.h"
#include "libs/pg/prepared.h"
#include "libs/pg/time.h"
#include "services/directory/api/proto_mapping.h"

namespace parta::directory {
namespace {

using pg::FromMicros;
using pg::ToMicros;

// Lists travel as one text joined by the unit separator (validation rejects control characters).
constexpr char kSeparator[] = "\x1f";
#define PARTA_AGG(expr) "coalesce(string_agg(" expr ", chr(31)), '')"

std::vector<std::string> SplitList(const pqxx::field& field) {
  if (field.is_null()) return {};
  std::string text = field.as<std::string>();
  if (text.empty()) return {};
  return absl::StrSplit(text, kSeparator);
}

std::vector<Role> ParseRoles(const pqxx::field& field) {
  std::vector<Role> roles;
  std::vector<std::string> names = SplitList(field);
  for (Role role : kAllRoles) {
    if (std::find(names.begin(), names.end(), RoleName(role)) != names.end()) {
      roles.push_back(role);
    }
  }
  return roles;
}

std::optional<std::string> NullIfEmpty(const std::string& text) {
  if (text.empty()) return std::nullopt;
  return text;
}

// The id of a page's key, or a well-formed placeholder where there is none (the key's condition
// is off then, but the parameter is still cast to uuid).
std::string KeyId(const std::optional<CreatedKey>& key) {
  return key ? key->id : "00000000-0000-0000-0000-000000000000";
}

constexpr char kSchoolColumns[] =
    "id::text, name, short_name, region_code, address, time_zone, inn, ogrn, description, "
    "contacts, logo_content_id, call_guests_allowed, " PARTA_PG_US("created_at") ", "
    PARTA_PG_US("updated_at") ", verified_adults_only";

School SchoolFromRow(const pqxx::row& row) {
  return School{.id = row[0].as<std::string>(),
                .name = row[1].as<std::string>(),
                .short_name = row[2].as<std::string>(),
                .region_code = row[3].as<std::string>(),
                .address = row[4].as<std::string>(),
                .time_zone = row[5].as<std::string>(),
                .inn = row[6].as<std::string>(),
                .ogrn = row[7].as<std::string>(),
                .description = row[8].as<std::string>(),
                .contacts = row[9].as<std::string>(),
                .logo_content_id = row[10].as<std::string>(),
                .call_guests_allowed = row[11].as<bool>(),
                .verified_adults_only = row[14].as<bool>(),
                .created_at = FromMicros(row[12].as<int64_t>()),
                .updated_at = FromMicros(row[13].as<int64_t>())};
}

constexpr char kClassColumns[] =
    "id::text, school_id::text, grade, letter, academic_year, "
    "coalesce(class_teacher_id::text, ''), archived, " PARTA_PG_US("created_at");

SchoolClass ClassFromRow(const pqxx::row& row) {
  return SchoolClass{.id = row[0].as<std::string>(),
                     .school_id = row[1].as<std::string>(),
                     .grade = row[2].as<int>(),
                     .letter = row[3].as<std::string>(),
                     .academic_year = row[4].as<int>(),
                     .class_teacher_id = row[5].as<std::string>(),
                     .archived = row[6].as<bool>(),
                     .created_at = FromMicros(row[7].as<int64_t>())};
}

constexpr char kInvitationColumns[] =
    "id::text, school_id::text, role, coalesce(class_id::text, ''), "
    "coalesce(student_id::text, ''), code_hash, " PARTA_PG_US(
        "expires_at") ", max_uses, uses, creator_id::text, revoked, " PARTA_PG_US("created_at");

Invitation InvitationFromRow(const pqxx::row& row) {
  pqxx::binarystring hash(row[5]);
  return Invitation{.id = row[0].as<std::string>(),
                    .school_id = row[1].as<std::string>(),
                    .role = RoleFromName(row[2].as<std::string>()).value_or(Role::kStudent),
                    .class_id = row[3].as<std::string>(),
                    .student_id = row[4].as<std::string>(),
                    .code_hash = hash.str(),
                    .expires_at = FromMicros(row[6].as<int64_t>()),
                    .max_uses = row[7].as<int>(),
                    .uses = row[8].as<int>(),
                    .creator_id = row[9].as<std::string>(),
                    .revoked = row[10].as<bool>(),
                    .created_at = FromMicros(row[11].as<int64_t>())};
}

constexpr char kLinkColumns[] =
    "id::text, school_id::text, parent_id::text, student_id::text, state, " PARTA_PG_US(
        "created_at") ", coalesce(confirmed_by::text, ''), " PARTA_PG_US("confirmed_at") ", "
    "confirmed_by_government";

ParentLink LinkFromRow(const pqxx::row& row) {
  ParentLink link{.id = row[0].as<std::string>(),
                  .school_id = row[1].as<std::string>(),
                  .parent_id = row[2].as<std::string>(),
                  .student_id = row[3].as<std::string>(),
                  .state = row[4].as<std::string>() == "confirmed" ? ParentLinkState::kConfirmed
                                                                   : ParentLinkState::kPending,
                  .created_at = FromMicros(row[5].as<int64_t>()),
                  .confirmed_by = row[6].as<std::string>()};
  if (!row[7].is_null()) link.confirmed_at = FromMicros(row[7].as<int64_t>());
  link.confirmed_by_government = row[8].as<bool>();
  return link;
}

constexpr char kJoinRequestColumns[] =
    "id::text, school_id::text, user_id::text, role, coalesce(class_id::text, ''), message, "
    "state, decline_reason, coalesce(decided_by::text, ''), " PARTA_PG_US(
        "decided_at") ", " PARTA_PG_US("created_at") ", " PARTA_PG_US("expires_at");

JoinRequest JoinRequestFromRow(const pqxx::row& row) {
  std::string state = row[6].as<std::string>();
  JoinRequest request{.id = row[0].as<std::string>(),
                      .school_id = row[1].as<std::string>(),
                      .user_id = row[2].as<std::string>(),
                      .role = RoleFromName(row[3].as<std::string>()).value_or(Role::kStudent),
                      .class_id = row[4].as<std::string>(),
                      .message = row[5].as<std::string>(),
                      .state = state == "approved"   ? JoinRequestState::kApproved
                               : state == "declined" ? JoinRequestState::kDeclined
                               : state == "expired"  ? JoinRequestState::kExpired
                                                     : JoinRequestState::kPending,
                      .decline_reason = row[7].as<std::string>(),
                      .decided_by = row[8].as<std::string>(),
                      .created_at = FromMicros(row[10].as<int64_t>()),
                      .expires_at = FromMicros(row[11].as<int64_t>())};
  if (!row[9].is_null()) request.decided_at = FromMicros(row[9].as<int64_t>());
  return request;
}

constexpr char kLessonColumns[] =
    "l.id::text, l.school_id::text, l.class_id::text, l.weekday, l.start_minute, l.end_minute, "
    "l.subject, l.teacher_id::text, l.room";

Lesson LessonFromRow(const pqxx::row& row) {
  return Lesson{.id = row[0].as<std::string>(),
                .school_id = row[1].as<std::string>(),
                .class_id = row[2].as<std::string>(),
                .weekday = row[3].as<int>(),
                .start_minute = row[4].as<int>(),
                .end_minute = row[5].as<int>(),
                .subject = row[6].as<std::string>(),
                .teacher_id = row[7].as<std::string>(),
                .room = row[8].as<std::string>()};
}

constexpr char kManagedPersonColumns[] =
    "school_id::text, person_key, account_id::text, display_name, username, role, "
    "coalesce(government_id, ''), coalesce(external_id, '')";

// Rows of kManagedPersonColumns.
std::vector<ManagedPerson> ManagedPeopleFrom(const pqxx::result& rows) {
  std::vector<ManagedPerson> people;
  for (const pqxx::row& row : rows) {
    people.push_back({.school_id = row[0].as<std::string>(),
                      .person_key = row[1].as<std::string>(),
                      .account_id = row[2].as<std::string>(),
                      .display_name = row[3].as<std::string>(),
                      .username = row[4].as<std::string>(),
                      .role = RoleFromName(row[5].as<std::string>()).value_or(Role::kStudent),
                      .government_id = row[6].as<std::string>(),
                      .external_id = row[7].as<std::string>()});
  }
  return people;
}

constexpr char kConsentColumns[] =
    "id::text, person_id::text, purpose, text_version, given_by::text, method, "
    "coalesce(school_id::text, ''), parent_name, " PARTA_PG_US("given_at") ", " PARTA_PG_US(
        "withdrawn_at") ", coalesce(withdrawn_by::text, ''), coalesce(withdrawn_method, ''), "
    "coalesce(withdrawn_school_id::text, ''), withdrawn_parent_name";

ConsentMethod MethodFrom(const pqxx::field& field) {
  return field.as<std::string>() == "paper" ? ConsentMethod::kPaper : ConsentMethod::kOnline;
}

ConsentRecord ConsentFromRow(const pqxx::row& row) {
  ConsentRecord record{
      .id = row[0].as<std::string>(),
      .person_id = row[1].as<std::string>(),
      .purpose =
          ConsentPurposeFromName(row[2].as<std::string>()).value_or(ConsentPurpose::kService),
      .text_version = row[3].as<std::string>(),
      .given_by = row[4].as<std::string>(),
      .method = MethodFrom(row[5]),
      .school_id = row[6].as<std::string>(),
      .parent_name = row[7].as<std::string>(),
      .given_at = FromMicros(row[8].as<int64_t>()),
      .withdrawn_by = row[10].as<std::string>(),
      .withdrawn_method = MethodFrom(row[11]),
      .withdrawn_school_id = row[12].as<std::string>(),
      .withdrawn_parent_name = row[13].as<std::string>()};
  if (!row[9].is_null()) record.withdrawn_at = FromMicros(row[9].as<int64_t>());
  return record;
}

absl::string_view ActionName(Change::Kind kind) {
  using Kind = Change::Kind;
  switch (kind) {
    case Kind::kSchoolCreated:
      return "school_created";
    case Kind::kSchoolUpdated:
      return "school_updated";
    case Kind::kRoleGranted:
      return "role_granted";
    case Kind::kRoleRemoved:
      return "role_removed";
    case Kind::kClassCreated:
      return "class_created";
    case Kind::kClassUpdated:
      return "class_updated";
    case Kind::kClassArchived:
      return "class_archived";
    case Kind::kStudentAdded:
      return "student_added";
    case Kind::kStudentRemoved:
      return "student_removed";
    case Kind::kTeacherAdded:
      return "teacher_added";
    case Kind::kTeacherRemoved:
      return "teacher_removed";
    case Kind::kParentLinkRequested:
      return "parent_link_requested";
    case Kind::kParentLinkConfirmed:
      return "parent_link_confirmed";
    case Kind::kParentLinkEnded:
      return "parent_link_ended";
    case Kind::kStudentSettingsChanged:
      return "student_settings_changed";
    case Kind::kRolloverCompleted:
      return "rollover_completed";
    case Kind::kLessonCreated:
      return "lesson_created";
    case Kind::kLessonDeleted:
      return "lesson_deleted";
    case Kind::kMemberConfirmed:
      return "member_confirmed";
  }
  return "unknown";
}

// The person or object a change is about, for the audit log.
std::string SubjectOf(const Change& change) {
  if (change.lesson) return change.lesson->id;
  if (change.parent_link) return change.parent_link->id;
  if (change.school_class) return change.school_class->id;
  if (change.settings) return change.settings->student_id;
  if (change.school) return change.school->id;
  return change.user_id;
}

class PgDirectoryTx final : public DirectoryTx {
 public:
  explicit PgDirectoryTx(pqxx::transaction_base& tx) : tx_(tx) {}

  // The hot paths' statements (permission facts, rosters), prepared once per connection.
  template <typename... Args>
  pqxx::result Prepared(const std::string& name, const std::string& sql, Args&&... args) {
    return pg::ExecPrepared(tx_, name, sql, std::forward<Args>(args)...);
  }

  absl::StatusOr<std::optional<std::string>> ClaimRequest(absl::string_view caller_id,
                                                         absl::string_view operation,
                                                         const RetryKey& retry,
                                                         absl::string_view answer,
                                                         absl::Time now) override {
    if (retry.request_id.empty()) return std::nullopt;
    const pqxx::binarystring fingerprint(retry.fingerprint.data(), retry.fingerprint.size());
    // A concurrent claim of the same key makes this insert wait for its transaction.
    pqxx::result claimed = tx_.exec_params(
        "INSERT INTO create_requests (caller_id, operation, request_id, fingerprint, answer, "
        "created_at) VALUES ($1, $2, $3, $4, $5, " PARTA_PG_TS("$6") ") ON CONFLICT DO NOTHING",
        std::string(caller_id), std::string(operation), retry.request_id, fingerprint,
        std::string(answer), ToMicros(now));
    if (claimed.affected_rows() == 1) return std::nullopt;
    pqxx::result first = tx_.exec_params(
        "SELECT fingerprint, answer FROM create_requests "
        "WHERE caller_id = $1 AND operation = $2 AND request_id = $3",
        std::string(caller_id), std::string(operation), retry.request_id);
    if (first.empty()) {  // purged between the two statements: the retry window has passed
      return Error(absl::StatusCode::kAborted, "REQUEST_ID_EXPIRED",
                   "the request id's retry window ended just now; retry with a new id");
    }
    if (pqxx::binarystring(first[0][0]).str() != retry.fingerprint) {
      return AlreadyExists("REQUEST_ID_REUSED",
                           "this request id was used for a different request");
    }
    return first[0][1].as<std::string>();
  }

  absl::Status InsertSchool(const School& s) override {
    try {
      tx_.exec_params(
          "INSERT INTO schools (id, name, short_name, region_code, address, time_zone, inn, ogrn, "
          "description, contacts, logo_content_id, call_guests_allowed, created_at, updated_at, "
          "verified_adults_only) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, "
          PARTA_PG_TS("$13") ", " PARTA_PG_TS("$13") ", $14)",
          s.id, s.name, s.short_name, s.region_code, s.address, s.time_zone, s.inn, s.ogrn,
          s.description, s.contacts, s.logo_content_id, s.call_guests_allowed,
          ToMicros(s.created_at), s.verified_adults_only);
    } catch (const pqxx::unique_violation&) {
      return AlreadyExists("SCHOOL_EXISTS", "a school with this INN is registered already");
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<School>> FindSchool(absl::string_view id) override {
    pqxx::result rows = tx_.exec_params(
        absl::StrCat("SELECT ", kSchoolColumns, " FROM schools WHERE id = $1"), std::string(id));
    if (rows.empty()) return std::nullopt;
    return SchoolFromRow(rows[0]);
  }

  absl::Status UpdateSchool(const School& s) override {
    try {
      tx_.exec_params(
          "UPDATE schools SET name = $2, short_name = $3, region_code = $4, address = $5, "
          "time_zone = $6, inn = $7, ogrn = $8, description = $9, contacts = $10, "
          "logo_content_id = $11, call_guests_allowed = $12, updated_at = " PARTA_PG_TS("$13")
          ", verified_adults_only = $14 WHERE id = $1",
          s.id, s.name, s.short_name, s.region_code, s.address, s.time_zone, s.inn, s.ogrn,
          s.description, s.contacts, s.logo_content_id, s.call_guests_allowed,
          ToMicros(s.updated_at), s.verified_adults_only);
    } catch (const pqxx::unique_violation&) {
      return AlreadyExists("SCHOOL_EXISTS", "a school with this INN is registered already");
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<School>> ListSchools(absl::string_view query,
                                                  absl::string_view member_id,
                                                  absl::string_view after_id, int limit) override {
    // lower() follows the cluster's UTF-8 locale, so Cyrillic names match case-insensitively.
    pqxx::result rows = tx_.exec_params(
        absl::StrCat("SELECT ", kSchoolColumns,
                     " FROM schools s WHERE ($1 = '' OR strpos(lower(s.name), lower($1)) > 0 "
                     "OR strpos(lower(s.short_name), lower($1)) > 0) "
                     "AND ($2 = '' OR EXISTS (SELECT 1 FROM memberships m WHERE m.school_id = s.id "
                     "AND m.user_id = $2::text::uuid)) "
                     "AND ($3 = '' OR s.id > $3::text::uuid) ORDER BY s.id LIMIT $4"),
        std::string(query), std::string(member_id), std::string(after_id), limit);
    std::vector<School> schools;
    for (const pqxx::row& row : rows) schools.push_back(SchoolFromRow(row));
    return schools;
  }

  absl::StatusOr<PersonFacts> LoadFacts(absl::string_view school_id,
                                        absl::string_view user_id) override {
    PersonFacts facts{.user_id = std::string(user_id)};
    // One round trip: every fact of the person in the school.
    pqxx::result rows = Prepared(
        "directory_facts",
        "SELECT s.generation + 1, "
        "(SELECT " PARTA_AGG("role") " FROM memberships WHERE school_id = $1 AND user_id = $2), "
        "(SELECT " PARTA_AGG("c.id::text") " FROM class_students cs JOIN classes c ON "
        "c.id = cs.class_id WHERE cs.user_id = $2 AND c.school_id = $1 AND NOT c.archived), "
        "(SELECT " PARTA_AGG("DISTINCT c.id::text") " FROM class_teachers ct JOIN classes c ON "
        "c.id = ct.class_id WHERE ct.user_id = $2 AND c.school_id = $1 AND NOT c.archived), "
        "(SELECT " PARTA_AGG("id::text") " FROM classes WHERE school_id = $1 AND "
        "class_teacher_id = $2 AND NOT archived), "
        "(SELECT " PARTA_AGG("student_id::text") " FROM parent_links WHERE school_id = $1 AND "
        "parent_id = $2 AND state = 'confirmed'), "
        "(SELECT " PARTA_AGG("DISTINCT c.id::text") " FROM parent_links pl JOIN class_students "
        "cs ON cs.user_id = pl.student_id JOIN classes c ON c.id = cs.class_id WHERE "
        "pl.school_id = $1 AND pl.parent_id = $2 AND pl.state = 'confirmed' AND "
        "c.school_id = $1 AND NOT c.archived), "
        "(SELECT " PARTA_AGG("parent_id::text") " FROM parent_links WHERE school_id = $1 AND "
        "student_id = $2 AND state = 'confirmed'), "
        "coalesce((SELECT safe_mode FROM student_settings WHERE school_id = $1 AND "
        "student_id = $2), true), s.verified_adults_only "
        "FROM schools s WHERE s.id = $1",
        std::string(school_id), std::string(user_id));
    if (rows.empty()) return facts;
    const pqxx::row& row = rows[0];
    facts.school_generation = row[0].as<int64_t>();
    facts.roles = ParseRoles(row[1]);
    facts.student_classes = SplitList(row[2]);
    facts.taught_classes = SplitList(row[3]);
    facts.led_classes = SplitList(row[4]);
    facts.children = SplitList(row[5]);
    facts.children_classes = SplitList(row[6]);
    facts.parents = SplitList(row[7]);
    facts.safe_mode = row[8].as<bool>();
    facts.verified_adults_only = row[9].as<bool>();
    return facts;
  }

  absl::StatusOr<bool> GrantRole(absl::string_view school_id, absl::string_view user_id, Role role,
                                 absl::Time at) override {
    pqxx::result rows = tx_.exec_params(
        "INSERT INTO memberships (school_id, user_id, role, granted_at) VALUES ($1, $2, "
        "$3, " PARTA_PG_TS("$4") ") ON CONFLICT DO NOTHING RETURNING 1",
        std::string(school_id), std::string(user_id), std::string(RoleName(role)), ToMicros(at));
    return !rows.empty();
  }

  absl::StatusOr<bool> RemoveRole(absl::string_view school_id, absl::string_view user_id,
                                  Role role) override {
    pqxx::result rows = tx_.exec_params(
        "DELETE FROM memberships WHERE school_id = $1 AND user_id = $2 AND role = $3 "
        "RETURNING 1",
        std::string(school_id), std::string(user_id), std::string(RoleName(role)));
    return !rows.empty();
  }

  absl::StatusOr<int> CountRole(absl::string_view school_id, Role role) override {
    return tx_
        .exec_params1("SELECT count(*) FROM memberships WHERE school_id = $1 AND role = $2",
                      std::string(school_id), std::string(RoleName(role)))[0]
        .as<int>();
  }

  absl::StatusOr<std::optional<Member>> FindMember(absl::string_view school_id,
                                                   absl::string_view user_id) override {
    ASSIGN_OR_RETURN(std::vector<Member> members,
                     QueryMembers(school_id, std::nullopt, user_id, "", 1));
    if (members.empty()) return std::nullopt;
    return members[0];
  }

  absl::StatusOr<std::vector<Member>> ListMembers(absl::string_view school_id,
                                                  std::optional<Role> role,
                                                  absl::string_view after_user_id,
                                                  int limit) override {
    return QueryMembers(school_id, role, "", after_user_id, limit);
  }

  absl::Status SetSubjects(absl::string_view school_id, absl::string_view user_id,
                           const std::vector<std::string>& subjects) override {
    tx_.exec_params(
        "INSERT INTO teacher_subjects (school_id, user_id, subjects) VALUES ($1, $2, "
        "string_to_array($3, chr(31))) ON CONFLICT (school_id, user_id) DO UPDATE SET "
        "subjects = excluded.subjects",
        std::string(school_id), std::string(user_id), absl::StrJoin(subjects, kSeparator));
    return absl::OkStatus();
  }

  absl::Status InsertClass(const SchoolClass& c) override {
    try {
      tx_.exec_params(
          "INSERT INTO classes (id, school_id, grade, letter, academic_year, class_teacher_id, "
          "archived, created_at) VALUES ($1, $2, $3, $4, $5, $6, false, " PARTA_PG_TS("$7") ")",
          c.id, c.school_id, c.grade, c.letter, c.academic_year, NullIfEmpty(c.class_teacher_id),
          ToMicros(c.created_at));
    } catch (const pqxx::unique_violation&) {
      return ClassExists();
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<SchoolClass>> FindClass(absl::string_view school_id,
                                                       absl::string_view class_id) override {
    pqxx::result rows = Prepared(
        "directory_find_class",
        absl::StrCat("SELECT ", kClassColumns, " FROM classes WHERE id = $1 AND school_id = $2"),
        std::string(class_id), std::string(school_id));
    if (rows.empty()) return std::nullopt;
    return ClassFromRow(rows[0]);
  }

  absl::StatusOr<std::vector<SchoolClass>> ListClasses(absl::string_view school_id,
                                                       int academic_year,
                                                       bool include_archived) override {
    pqxx::result rows = tx_.exec_params(
        absl::StrCat("SELECT ", kClassColumns,
                     " FROM classes WHERE school_id = $1 AND ($2 = 0 OR academic_year = $2) AND "
                     "($3 OR NOT archived) ORDER BY academic_year DESC, grade, letter"),
        std::string(school_id), academic_year, include_archived);
    std::vector<SchoolClass> classes;
    for (const pqxx::row& row : rows) classes.push_back(ClassFromRow(row));
    return classes;
  }

  absl::StatusOr<std::vector<SchoolClass>> ListClassesPage(absl::string_view school_id,
                                                           int academic_year, bool include_archived,
                                                           const std::optional<ClassKey>& after,
                                                           int limit) override {
    // The year runs downwards: its negation makes one row comparison of the whole order.
    pqxx::result rows = tx_.exec_params(
        absl::StrCat("SELECT ", kClassColumns,
                     " FROM classes WHERE school_id = $1 AND ($2 = 0 OR academic_year = $2) AND "
                     "($3 OR NOT archived) AND (NOT $4 OR (-academic_year, grade, letter, id) > "
                     "(-($5::int), $6, $7, $8::text::uuid)) "
                     "ORDER BY academic_year DESC, grade, letter, id LIMIT $9"),
        std::string(school_id), academic_year, include_archived, after.has_value(),
        after ? after->academic_year : 0, after ? after->grade : 0,
        after ? after->letter : std::string(),
        after ? after->id : std::string("00000000-0000-0000-0000-000000000000"), limit);
    std::vector<SchoolClass> classes;
    for (const pqxx::row& row : rows) classes.push_back(ClassFromRow(row));
    return classes;
  }

  absl::Status UpdateClass(const SchoolClass& c) override {
    try {
      tx_.exec_params(
          "UPDATE classes SET letter = $2, class_teacher_id = $3, archived = $4 WHERE id = $1",
          c.id, c.letter, NullIfEmpty(c.class_teacher_id), c.archived);
    } catch (const pqxx::unique_violation&) {
      return ClassExists();
    }
    return absl::OkStatus();
  }

  absl::StatusOr<ClassRoster> LoadRoster(absl::string_view class_id) override {
    // One round trip: students (0), the class teacher (1), subject teachers (2) and confirmed
    // parents (3), each part in its order.
    pqxx::result rows = Prepared(
        "directory_roster",
        "SELECT 0, user_id::text, '' FROM class_students WHERE class_id = $1 "
        "UNION ALL SELECT 1, class_teacher_id::text, '' FROM classes WHERE id = $1 AND "
        "class_teacher_id IS NOT NULL "
        "UNION ALL SELECT 2, user_id::text, subject FROM class_teachers WHERE class_id = $1 "
        "UNION ALL SELECT 3, pl.parent_id::text, pl.student_id::text FROM parent_links pl JOIN "
        "class_students cs ON cs.user_id = pl.student_id JOIN classes c ON c.id = cs.class_id "
        "AND c.school_id = pl.school_id WHERE cs.class_id = $1 AND pl.state = 'confirmed' "
        "ORDER BY 1, 3, 2",
        std::string(class_id));
    ClassRoster roster;
    for (const pqxx::row& row : rows) {
      std::string a = row[1].as<std::string>();
      std::string b = row[2].as<std::string>();
      switch (row[0].as<int>()) {
        case 0:
          roster.student_ids.push_back(std::move(a));
          break;
        case 1:
        case 2:
          roster.teachers.push_back({.user_id = std::move(a), .subject = std::move(b)});
          break;
        default:
          roster.parents.push_back({.parent_id = std::move(a), .student_id = std::move(b)});
      }
    }
    return roster;
  }

  absl::StatusOr<bool> AddStudent(absl::string_view school_id, absl::string_view class_id,
                                  absl::string_view student_id) override {
    pqxx::result rows = tx_.exec_params(
        "INSERT INTO class_students (class_id, user_id) SELECT id, $3 FROM classes WHERE "
        "id = $1 AND school_id = $2 ON CONFLICT DO NOTHING RETURNING 1",
        std::string(class_id), std::string(school_id), std::string(student_id));
    return !rows.empty();
  }

  absl::StatusOr<bool> RemoveStudent(absl::string_view class_id,
                                     absl::string_view student_id) override {
    pqxx::result rows = tx_.exec_params(
        "DELETE FROM class_students WHERE class_id = $1 AND user_id = $2 RETURNING 1",
        std::string(class_id), std::string(student_id));
    return !rows.empty();
  }

  absl::StatusOr<bool> AddClassTeacher(absl::string_view class_id, absl::string_view teacher_id,
                                       absl::string_view subject) override {
    pqxx::result rows = tx_.exec_params(
        "INSERT INTO class_teachers (class_id, user_id, subject) VALUES ($1, $2, $3) "
        "ON CONFLICT DO NOTHING RETURNING 1",
        std::string(class_id), std::string(teacher_id), std::string(subject));
    return !rows.empty();
  }

  absl::StatusOr<std::vector<TeachingPost>> RemoveTeacherEverywhere(
      absl::string_view school_id, absl::string_view teacher_id) override {
    std::vector<TeachingPost> posts;
    pqxx::result subjects = tx_.exec_params(
        "DELETE FROM class_teachers ct USING classes c WHERE c.id = ct.class_id AND "
        "c.school_id = $1 AND ct.user_id = $2 RETURNING ct.class_id::text, ct.subject",
        std::string(school_id), std::string(teacher_id));
    for (const pqxx::row& row : subjects) {
      posts.push_back({.class_id = row[0].as<std::string>(),
                       .teacher_id = std::string(teacher_id),
                       .subject = row[1].as<std::string>()});
    }
    pqxx::result led = tx_.exec_params(
        "UPDATE classes SET class_teacher_id = NULL WHERE school_id = $1 AND "
        "class_teacher_id = $2 RETURNING id::text",
        std::string(school_id), std::string(teacher_id));
    for (const pqxx::row& row : led) {
      posts.push_back(
          {.class_id = row[0].as<std::string>(), .teacher_id = std::string(teacher_id)});
    }
    return posts;
  }

  absl::Status InsertInvitation(const Invitation& i) override {
    tx_.exec_params(
        "INSERT INTO invitations (id, school_id, code_hash, role, class_id, student_id, "
        "expires_at, max_uses, uses, creator_id, revoked, created_at) VALUES ($1, $2, $3, $4, "
        "$5, $6, " PARTA_PG_TS("$7") ", $8, $9, $10, $11, " PARTA_PG_TS("$12") ")",
        i.id, i.school_id, pqxx::binarystring(i.code_hash.data(), i.code_hash.size()),
        std::string(RoleName(i.role)), NullIfEmpty(i.class_id), NullIfEmpty(i.student_id),
        ToMicros(i.expires_at), i.max_uses, i.uses, i.creator_id, i.revoked,
        ToMicros(i.created_at));
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<Invitation>> LockInvitation(absl::string_view code_hash) override {
    pqxx::result rows =
        tx_.exec_params(absl::StrCat("SELECT ", kInvitationColumns,
                                     " FROM invitations WHERE code_hash = $1 FOR UPDATE"),
                        pqxx::binarystring(code_hash.data(), code_hash.size()));
    if (rows.empty()) return std::nullopt;
    return InvitationFromRow(rows[0]);
  }

  absl::StatusOr<std::optional<Invitation>> FindInvitation(
      absl::string_view school_id, absl::string_view invitation_id) override {
    pqxx::result rows = tx_.exec_params(
        absl::StrCat("SELECT ", kInvitationColumns,
                     " FROM invitations WHERE id = $1 AND school_id = $2 FOR UPDATE"),
        std::string(invitation_id), std::string(school_id));
    if (rows.empty()) return std::nullopt;
    return InvitationFromRow(rows[0]);
  }

  absl::StatusOr<std::vector<Invitation>> ListInvitations(absl::string_view school_id,
                                                          bool include_inactive, absl::Time now,
                                                          const std::optional<CreatedKey>& before,
                                                          int limit) override {
    pqxx::result rows = tx_.exec_params(
        absl::StrCat("SELECT ", kInvitationColumns,
                     " FROM invitations WHERE school_id = $1 AND ($2 OR (NOT revoked AND "
                     "uses < max_uses AND expires_at > " PARTA_PG_TS("$3") ")) AND (NOT $4 OR "
                     "(created_at, id) < (" PARTA_PG_TS("$5") ", $6::text::uuid)) "
                     "ORDER BY created_at DESC, id DESC LIMIT $7"),
        std::string(school_id), include_inactive, ToMicros(now), before.has_value(),
        before ? ToMicros(before->created_at) : int64_t{0}, KeyId(before), limit);
    std::vector<Invitation> invitations;
    for (const pqxx::row& row : rows) invitations.push_back(InvitationFromRow(row));
    return invitations;
  }

  absl::Status SaveInvitationState(const Invitation& invitation) override {
    tx_.exec_params("UPDATE invitations SET uses = $2, revoked = $3 WHERE id = $1", invitation.id,
                    invitation.uses, invitation.revoked);
    return absl::OkStatus();
  }

  absl::StatusOr<bool> HasRedeemed(absl::string_view invitation_id,
                                   absl::string_view user_id) override {
    return !tx_.exec_params(
                   "SELECT 1 FROM invitation_redemptions WHERE invitation_id = $1 AND "
                   "user_id = $2",
                   std::string(invitation_id), std::string(user_id))
                .empty();
  }

  absl::Status InsertRedemption(absl::string_view invitation_id, absl::string_view user_id,
                                absl::Time at) override {
    tx_.exec_params(
        "INSERT INTO invitation_redemptions (invitation_id, user_id, redeemed_at) VALUES ($1, "
        "$2, " PARTA_PG_TS("$3") ")",
        std::string(invitation_id), std::string(user_id), ToMicros(at));
    return absl::OkStatus();
  }

  absl::Status InsertParentLink(const ParentLink& l) override {
    tx_.exec_params(
        "INSERT INTO parent_links (id, school_id, parent_id, student_id, state, created_at) "
        "VALUES ($1, $2, $3, $4, 'pending', " PARTA_PG_TS("$5") ")",
        l.id, l.school_id, l.parent_id, l.student_id, ToMicros(l.created_at));
    // A link is made pending; a confirmed one is saved over it (SaveParentLink).
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<ParentLink>> FindParentLink(absl::string_view school_id,
                                                           absl::string_view parent_id,
                                                           absl::string_view student_id) override {
    pqxx::result rows = tx_.exec_params(
        absl::StrCat("SELECT ", kLinkColumns,
                     " FROM parent_links WHERE school_id = $1 AND parent_id = $2 AND "
                     "student_id = $3"),
        std::string(school_id), std::string(parent_id), std::string(student_id));
    if (rows.empty()) return std::nullopt;
    return LinkFromRow(rows[0]);
  }

  absl::StatusOr<std::optional<ParentLink>> LockParentLink(absl::string_view school_id,
                                                           absl::string_view link_id) override {
    pqxx::result rows = tx_.exec_params(
        absl::StrCat("SELECT ", kLinkColumns,
                     " FROM parent_links WHERE id = $1 AND school_id = $2 FOR UPDATE"),
        std::string(link_id), std::string(school_id));
    if (rows.empty()) return std::nullopt;
    return LinkFromRow(rows[0]);
  }

  absl::StatusOr<std::vector<ParentLink>> ListParentLinks(absl::string_view school_id,
                                                          absl::string_view student_id) override {
    pqxx::result rows = tx_.exec_params(
        absl::StrCat("SELECT ", kLinkColumns,
                     " FROM parent_links WHERE school_id = $1 AND student_id = $2 ORDER BY "
                     "created_at, id"),
        std::string(school_id), std::string(student_id));
    std::vector<ParentLink> links;
    for (const pqxx::row& row : rows) links.push_back(LinkFromRow(row));
    return links;
  }

  absl::StatusOr<std::vector<ParentLink>> ListParentLinksPage(
      absl::string_view school_id, absl::string_view student_id,
      const std::optional<CreatedKey>& after, int limit) override {
    pqxx::result rows = tx_.exec_params(
        absl::StrCat("SELECT ", kLinkColumns,
                     " FROM parent_links WHERE school_id = $1 AND student_id = $2 AND (NOT $3 OR "
                     "(created_at, id) > (" PARTA_PG_TS("$4") ", $5::text::uuid)) "
                     "ORDER BY created_at, id LIMIT $6"),
        std::string(school_id), std::string(student_id), after.has_value(),
        after ? ToMicros(after->created_at) : int64_t{0}, KeyId(after), limit);
    std::vector<ParentLink> links;
    for (const pqxx::row& row : rows) links.push_back(LinkFromRow(row));
    return links;
  }

  absl::Status SaveParentLink(const ParentLink& l) override {
    tx_.exec_params(
        "UPDATE parent_links SET state = $2, confirmed_by = $3, confirmed_at = " PARTA_PG_TS(
            "$4") ", confirmed_by_government = $5 WHERE id = $1",
        l.id, l.state == ParentLinkState::kConfirmed ? "confirmed" : "pending",
        NullIfEmpty(l.confirmed_by),
        l.confirmed_at ? std::optional<int64_t>(ToMicros(*l.confirmed_at)) : std::nullopt,
        l.confirmed_by_government);
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<ParentLink>> EndParentLinks(absl::string_view school_id,
                                                         absl::string_view parent_id) override {
    return DeleteLinks("parent_id", school_id, parent_id);
  }

  absl::StatusOr<std::vector<ParentLink>> EndStudentLinks(absl::string_view school_id,
                                                          absl::string_view student_id) override {
    return DeleteLinks("student_id", school_id, student_id);
  }

  absl::Status RevokeParentInvitations(absl::string_view school_id,
                                       absl::string_view student_id) override {
    tx_.exec_params(
        "UPDATE invitations SET revoked = true WHERE school_id = $1 AND student_id = $2 AND "
        "NOT revoked",
        std::string(school_id), std::string(student_id));
    return absl::OkStatus();
  }

  absl::Status InsertJoinRequest(const JoinRequest& r) override {
    tx_.exec_params(
        "INSERT INTO join_requests (id, school_id, user_id, role, class_id, message, state, "
        "created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, 'pending', " PARTA_PG_TS(
            "$7") ", " PARTA_PG_TS("$8") ")",
        r.id, r.school_id, r.user_id, std::string(RoleName(r.role)), NullIfEmpty(r.class_id),
        r.message, ToMicros(r.created_at), ToMicros(r.expires_at));
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<JoinRequest>> LockPendingJoinRequest(absl::string_view school_id,
                                                                    absl::string_view user_id,
                                                                    Role role) override {
    pqxx::result rows = tx_.exec_params(
        absl::StrCat("SELECT ", kJoinRequestColumns,
                     " FROM join_requests WHERE school_id = $1 AND user_id = $2 AND role = $3 "
                     "AND state = 'pending' FOR UPDATE"),
        std::string(school_id), std::string(user_id), std::string(RoleName(role)));
    if (rows.empty()) return std::nullopt;
    return JoinRequestFromRow(rows[0]);
  }

  absl::StatusOr<std::optional<JoinRequest>> LockJoinRequest(
      absl::string_view school_id, absl::string_view request_id) override {
    pqxx::result rows = tx_.exec_params(
        absl::StrCat("SELECT ", kJoinRequestColumns,
                     " FROM join_requests WHERE id = $1 AND school_id = $2 FOR UPDATE"),
        std::string(request_id), std::string(school_id));
    if (rows.empty()) return std::nullopt;
    return JoinRequestFromRow(rows[0]);
  }

  absl::Status SaveJoinRequest(const JoinRequest& r) override {
    tx_.exec_params(
        "UPDATE join_requests SET class_id = $2, message = $3, state = $4, decline_reason = $5, "
        "decided_by = $6, decided_at = " PARTA_PG_TS("$7") " WHERE id = $1",
        r.id, NullIfEmpty(r.class_id), r.message, std::string(JoinRequestStateName(r.state)),
        r.decline_reason, NullIfEmpty(r.decided_by),
        r.decided_at ? std::optional<int64_t>(ToMicros(*r.decided_at)) : std::nullopt);
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<JoinRequest>> ListJoinRequests(
      absl::string_view school_id, bool include_decided, const std::vector<std::string>& class_ids,
      absl::Time now, const std::optional<CreatedKey>& after, int limit) override {
    pqxx::result rows = tx_.exec_params(
        absl::StrCat("SELECT ", kJoinRequestColumns,
                     " FROM join_requests WHERE school_id = $1 AND ($2 OR (state = 'pending' "
                     "AND expires_at > " PARTA_PG_TS("$3") ")) AND ($4 = '' OR class_id::text = "
                     "ANY (string_to_array($4, chr(31)))) AND (NOT $5 OR (created_at, id) > "
                     "(" PARTA_PG_TS("$6") ", $7::text::uuid)) ORDER BY created_at, id LIMIT $8"),
        std::string(school_id), include_decided, ToMicros(now),
        absl::StrJoin(class_ids, kSeparator), after.has_value(),
        after ? ToMicros(after->created_at) : int64_t{0}, KeyId(after), limit);
    std::vector<JoinRequest> requests;
    for (const pqxx::row& row : rows) requests.push_back(JoinRequestFromRow(row));
    return requests;
  }

  absl::StatusOr<std::vector<JoinRequest>> ListUserJoinRequests(
      absl::string_view user_id, const std::optional<CreatedKey>& before, int limit) override {
    pqxx::result rows = tx_.exec_params(
        absl::StrCat("SELECT ", kJoinRequestColumns,
                     " FROM join_requests WHERE user_id = $1 AND (NOT $2 OR (created_at, id) < "
                     "(" PARTA_PG_TS("$3") ", $4::text::uuid)) "
                     "ORDER BY created_at DESC, id DESC LIMIT $5"),
        std::string(user_id), before.has_value(),
        before ? ToMicros(before->created_at) : int64_t{0}, KeyId(before), limit);
    std::vector<JoinRequest> requests;
    for (const pqxx::row& row : rows) requests.push_back(JoinRequestFromRow(row));
    return requests;
  }

  absl::StatusOr<bool> LockSchool(absl::string_view school_id) override {
    return !tx_.exec_params("SELECT 1 FROM schools WHERE id = $1 FOR UPDATE",
                            std::string(school_id))
                .empty();
  }

  absl::Status InsertLesson(const Lesson& l) override {
    tx_.exec_params(
        "INSERT INTO lessons (id, school_id, class_id, weekday, start_minute, end_minute, "
        "subject, teacher_id, room) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        l.id, l.school_id, l.class_id, l.weekday, l.start_minute, l.end_minute, l.subject,
        l.teacher_id, l.room);
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<Lesson>> FindLesson(absl::string_view school_id,
                                                   absl::string_view lesson_id) override {
    pqxx::result rows =
        tx_.exec_params(absl::StrCat("SELECT ", kLessonColumns,
                                     " FROM lessons l WHERE l.id = $1 AND l.school_id = $2"),
                        std::string(lesson_id), std::string(school_id));
    if (rows.empty()) return std::nullopt;
    return LessonFromRow(rows[0]);
  }

  absl::Status DeleteLesson(absl::string_view lesson_id) override {
    tx_.exec_params("DELETE FROM lessons WHERE id = $1", std::string(lesson_id));
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<Lesson>> OverlappingLessons(absl::string_view school_id, int weekday,
                                                         int start_minute, int end_minute,
                                                         absl::string_view class_id,
                                                         absl::string_view teacher_id) override {
    pqxx::result rows = tx_.exec_params(
        absl::StrCat("SELECT ", kLessonColumns,
                     " FROM lessons l WHERE l.school_id = $1 AND l.weekday = $2 AND "
                     "l.start_minute < $4 AND $3 < l.end_minute AND (l.class_id = $5 OR "
                     "l.teacher_id = $6) AND EXISTS (SELECT 1 FROM classes c WHERE c.id = "
                     "l.class_id AND NOT c.archived)"),
        std::string(school_id), weekday, start_minute, end_minute, std::string(class_id),
        std::string(teacher_id));
    std::vector<Lesson> lessons;
    for (const pqxx::row& row : rows) lessons.push_back(LessonFromRow(row));
    return lessons;
  }

  absl::StatusOr<std::vector<Lesson>> ListLessons(absl::string_view school_id,
                                                  absl::string_view owner_id,
                                                  bool by_teacher) override {
    pqxx::result rows = tx_.exec_params(
        absl::StrCat("SELECT ", kLessonColumns, " FROM lessons l WHERE l.school_id = $1 AND ",
                     by_teacher ? "l.teacher_id" : "l.class_id",
                     " = $2 AND EXISTS (SELECT 1 FROM classes c WHERE c.id = l.class_id AND NOT "
                     "c.archived) ORDER BY l.weekday, l.start_minute, l.id"),
        std::string(school_id), std::string(owner_id));
    std::vector<Lesson> lessons;
    for (const pqxx::row& row : rows) lessons.push_back(LessonFromRow(row));
    return lessons;
  }

  absl::StatusOr<std::optional<SchoolClass>> FindActiveClass(absl::string_view school_id,
                                                             int academic_year, int grade,
                                                             absl::string_view letter) override {
    pqxx::result rows = tx_.exec_params(
        absl::StrCat("SELECT ", kClassColumns,
                     " FROM classes WHERE school_id = $1 AND academic_year = $2 AND grade = $3 "
                     "AND letter = $4 AND NOT archived"),
        std::string(school_id), academic_year, grade, std::string(letter));
    if (rows.empty()) return std::nullopt;
    return ClassFromRow(rows[0]);
  }

  absl::StatusOr<std::vector<TeachingPost>> CopyClassTeachers(
      absl::string_view from_class_id, absl::string_view to_class_id) override {
    pqxx::result rows = tx_.exec_params(
        "INSERT INTO class_teachers (class_id, user_id, subject) SELECT $2, user_id, subject "
        "FROM class_teachers WHERE class_id = $1 ON CONFLICT DO NOTHING "
        "RETURNING user_id::text, subject",
        std::string(from_class_id), std::string(to_class_id));
    std::vector<TeachingPost> posts;
    for (const pqxx::row& row : rows) {
      posts.push_back({.class_id = std::string(to_class_id),
                       .teacher_id = row[0].as<std::string>(),
                       .subject = row[1].as<std::string>()});
    }
    return posts;
  }

  absl::StatusOr<std::vector<ManagedPerson>> FindManagedPeople(
      absl::string_view school_id, const std::vector<std::string>& person_keys) override {
    pqxx::result rows = tx_.exec_params(
        absl::StrCat("SELECT ", kManagedPersonColumns,
                     " FROM managed_people WHERE school_id = $1 AND person_key = ANY "
                     "(string_to_array($2, chr(31)))"),
        std::string(school_id), absl::StrJoin(person_keys, kSeparator));
    return ManagedPeopleFrom(rows);
  }

  absl::Status InsertManagedPerson(const ManagedPerson& p) override {
    tx_.exec_params(
        "INSERT INTO managed_people (school_id, person_key, account_id, role, display_name, "
        "username, external_id) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
        p.school_id, p.person_key, p.account_id, std::string(RoleName(p.role)), p.display_name,
        p.username, NullIfEmpty(p.external_id));
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<ManagedPerson>> ListSyncedPeople(
      absl::string_view school_id) override {
    pqxx::result rows = tx_.exec_params(
        absl::StrCat("SELECT ", kManagedPersonColumns,
                     " FROM managed_people WHERE school_id = $1 AND external_id IS NOT NULL "
                     "ORDER BY external_id"),
        std::string(school_id));
    return ManagedPeopleFrom(rows);
  }

  absl::Status SetExternalId(absl::string_view school_id, absl::string_view person_key,
                             absl::string_view external_id) override {
    tx_.exec_params(
        "UPDATE managed_people SET external_id = $3 WHERE school_id = $1 AND person_key = $2",
        std::string(school_id), std::string(person_key), std::string(external_id));
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<SyncedClassId>> ListSyncedClasses(
      absl::string_view school_id) override {
    std::vector<SyncedClassId> classes;
    for (const pqxx::row& row : tx_.exec_params(
             "SELECT external_id, class_id::text FROM synced_classes WHERE school_id = $1",
             std::string(school_id))) {
      classes.push_back(
          {.external_id = row[0].as<std::string>(), .class_id = row[1].as<std::string>()});
    }
    return classes;
  }

  absl::Status SaveSyncedClass(absl::string_view school_id, const SyncedClassId& synced) override {
    tx_.exec_params(
        "INSERT INTO synced_classes (school_id, external_id, class_id) VALUES ($1, $2, $3) "
        "ON CONFLICT (school_id, external_id) DO UPDATE SET class_id = excluded.class_id",
        std::string(school_id), synced.external_id, synced.class_id);
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<ManagedPerson>> FindManagedStudentsLike(
      absl::string_view school_id, absl::string_view person_key) override {
    pqxx::result rows = tx_.exec_params(
        absl::StrCat("SELECT ", kManagedPersonColumns,
                     " FROM managed_people WHERE school_id = $1 AND role = 'student' AND "
                     "translate(person_key, 'ё', 'е') = translate($2, 'ё', 'е') "
                     "ORDER BY person_key"),
        std::string(school_id), std::string(person_key));
    return ManagedPeopleFrom(rows);
  }

  absl::Status SetGovernmentId(absl::string_view school_id, absl::string_view person_key,
                               absl::string_view government_id) override {
    tx_.exec_params(
        "UPDATE managed_people SET government_id = $3 WHERE school_id = $1 AND person_key = $2",
        std::string(school_id), std::string(person_key), std::string(government_id));
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<ManagedPerson>> ManagedStudentsOf(
      absl::string_view class_id) override {
    pqxx::result rows = tx_.exec_params(
        "SELECT mp.school_id::text, mp.person_key, mp.account_id::text, mp.display_name, "
        "mp.username, mp.role, coalesce(mp.government_id, ''), coalesce(mp.external_id, '') "
        "FROM managed_people mp "
        "JOIN class_students cs ON "
        "cs.user_id = mp.account_id JOIN classes c ON c.id = cs.class_id AND "
        "c.school_id = mp.school_id WHERE cs.class_id = $1 AND mp.role = 'student' "
        "ORDER BY mp.display_name, mp.account_id",
        std::string(class_id));
    return ManagedPeopleFrom(rows);
  }

  absl::Status SaveStudentSettings(const StudentSettings& settings) override {
    tx_.exec_params(
        "INSERT INTO student_settings (school_id, student_id, safe_mode) VALUES ($1, $2, $3) "
        "ON CONFLICT (school_id, student_id) DO UPDATE SET safe_mode = excluded.safe_mode",
        settings.school_id, settings.student_id, settings.safe_mode);
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<Membership>> ListMemberships(absl::string_view user_id,
                                                          absl::string_view after_school_id,
                                                          int limit) override {
    pqxx::result rows = tx_.exec_params(
        "SELECT m.school_id::text, " PARTA_AGG("m.role") ", "
        "(SELECT " PARTA_AGG("c.id::text") " FROM class_students cs JOIN classes c ON "
        "c.id = cs.class_id WHERE cs.user_id = $1 AND c.school_id = m.school_id AND NOT "
        "c.archived), "
        "(SELECT " PARTA_AGG("DISTINCT c.id::text") " FROM classes c WHERE c.school_id = "
        "m.school_id AND NOT c.archived AND (c.class_teacher_id = $1 OR EXISTS (SELECT 1 FROM "
        "class_teachers ct WHERE ct.class_id = c.id AND ct.user_id = $1))), "
        "(SELECT " PARTA_AGG("student_id::text") " FROM parent_links WHERE school_id = "
        "m.school_id AND parent_id = $1 AND state = 'confirmed') "
        "FROM memberships m WHERE m.user_id = $1 AND ($2 = '' OR m.school_id > $2::text::uuid) "
        "GROUP BY m.school_id ORDER BY m.school_id LIMIT $3",
        std::string(user_id), std::string(after_school_id), limit);
    std::vector<Membership> memberships;
    for (const pqxx::row& row : rows) {
      memberships.push_back({.school_id = row[0].as<std::string>(),
                             .roles = ParseRoles(row[1]),
                             .student_class_ids = SplitList(row[2]),
                             .teacher_class_ids = SplitList(row[3]),
                             .child_ids = SplitList(row[4])});
    }
    return memberships;
  }

  absl::StatusOr<bool> AdvanceEventCursor(absl::string_view stream, int64_t sequence) override {
    return pg::AdvanceCursor(tx_, std::string(stream), sequence);
  }

  absl::Status ErasePerson(absl::string_view user_id) override {
    const std::string id(user_id);
    for (const char* statement : {
             "DELETE FROM class_students WHERE user_id = $1",
             "DELETE FROM class_teachers WHERE user_id = $1",
             "DELETE FROM teacher_subjects WHERE user_id = $1",
             "DELETE FROM parent_links WHERE parent_id = $1 OR student_id = $1",
             "DELETE FROM student_settings WHERE student_id = $1",
             "DELETE FROM join_requests WHERE user_id = $1",
             "DELETE FROM invitation_redemptions WHERE user_id = $1",
             "DELETE FROM managed_people WHERE account_id = $1",
             "UPDATE invitations SET revoked = true WHERE student_id = $1 AND NOT revoked",
             "UPDATE classes SET class_teacher_id = NULL WHERE class_teacher_id = $1",
         }) {
      tx_.exec_params(statement, id);
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<ConsentText>> CurrentConsentTexts() override {
    pqxx::result rows = tx_.exec(
        "SELECT DISTINCT ON (purpose) purpose, version, text, coalesce(published_by::text, ''), "
        PARTA_PG_US("published_at") " FROM consent_texts "
        "ORDER BY purpose, published_at DESC, seq DESC");
    std::vector<ConsentText> texts;
    for (ConsentPurpose purpose : kAllConsentPurposes) {
      for (const pqxx::row& row : rows) {
        if (row[0].as<std::string>() != ConsentPurposeName(purpose)) continue;
        texts.push_back({.purpose = purpose,
                         .version = row[1].as<std::string>(),
                         .text = row[2].as<std::string>(),
                         .published_by = row[3].as<std::string>(),
                         .published_at = FromMicros(row[4].as<int64_t>())});
      }
    }
    return texts;
  }

  absl::Status InsertConsentText(const ConsentText& t) override {
    pqxx::result rows = tx_.exec_params(
        "INSERT INTO consent_texts (purpose, version, text, published_by, published_at) "
        "VALUES ($1, $2, $3, $4, " PARTA_PG_TS("$5") ") ON CONFLICT DO NOTHING RETURNING 1",
        std::string(ConsentPurposeName(t.purpose)), t.version, t.text,
        NullIfEmpty(t.published_by), ToMicros(t.published_at));
    if (rows.empty()) {
      return AlreadyExists("VERSION_EXISTS", "the purpose has a text of this version already");
    }
    return absl::OkStatus();
  }

  absl::Status LockConsentsOf(absl::string_view person_id) override {
    tx_.exec_params("SELECT pg_advisory_xact_lock(hashtextextended('consents/' || $1, 0))",
                    std::string(person_id));
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<ConsentRecord>> LatestConsent(absl::string_view person_id,
                                                             ConsentPurpose purpose) override {
    pqxx::result rows = tx_.exec_params(
        absl::StrCat("SELECT ", kConsentColumns,
                     " FROM consents WHERE person_id = $1 AND purpose = $2 "
                     "ORDER BY seq DESC LIMIT 1"),
        std::string(person_id), std::string(ConsentPurposeName(purpose)));
    if (rows.empty()) return std::nullopt;
    return ConsentFromRow(rows[0]);
  }

  absl::Status InsertConsent(const ConsentRecord& c) override {
    tx_.exec_params(
        "INSERT INTO consents (id, person_id, purpose, text_version, given_by, method, "
        "school_id, parent_name, given_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
        PARTA_PG_TS("$9") ")",
        c.id, c.person_id, std::string(ConsentPurposeName(c.purpose)), c.text_version,
        c.given_by, std::string(ConsentMethodName(c.method)), NullIfEmpty(c.school_id),
        c.parent_name, ToMicros(c.given_at));
    return absl::OkStatus();
  }

  absl::Status SaveConsentWithdrawal(const ConsentRecord& c) override {
    if (!c.withdrawn_at) return Internal("NOT_WITHDRAWN", "a withdrawal without its time");
    tx_.exec_params(
        "UPDATE consents SET withdrawn_at = " PARTA_PG_TS("$2") ", withdrawn_by = $3, "
        "withdrawn_method = $4, withdrawn_school_id = $5, withdrawn_parent_name = $6 "
        "WHERE id = $1",
        c.id, ToMicros(*c.withdrawn_at), c.withdrawn_by,
        std::string(ConsentMethodName(c.withdrawn_method)), NullIfEmpty(c.withdrawn_school_id),
        c.withdrawn_parent_name);
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<MissingConsent>> ListMissingConsents(
      absl::string_view school_id, const std::optional<NameKey>& after, int limit) override {
    // Each member's required purpose, the newest consent to it and its current text, read
    // against each other; a member's name is the one the school imported him under.
    pqxx::result rows = tx_.exec_params(
        "WITH members AS ("
        "  SELECT m.user_id, CASE WHEN bool_or(m.role = 'student') THEN 'child_data' "
        "    ELSE 'service' END AS purpose, "
        "    coalesce((SELECT min(mp.display_name) FROM managed_people mp "
        "      WHERE mp.school_id = $1 AND mp.account_id = m.user_id), '') AS name "
        "  FROM memberships m WHERE m.school_id = $1 GROUP BY m.user_id), "
        "states AS ("
        "  SELECT p.user_id, p.purpose, p.name, "
        "    CASE WHEN c.person_id IS NULL THEN 'missing' "
        "      WHEN c.withdrawn_at IS NOT NULL THEN 'withdrawn' "
        "      WHEN c.text_version <> t.version THEN 'outdated' ELSE 'given' END AS status "
        "  FROM members p "
        "  LEFT JOIN LATERAL (SELECT person_id, text_version, withdrawn_at FROM consents "
        "    WHERE person_id = p.user_id AND purpose = p.purpose ORDER BY seq DESC LIMIT 1) c "
        "    ON true "
        "  LEFT JOIN LATERAL (SELECT version FROM consent_texts WHERE purpose = p.purpose "
        "    ORDER BY published_at DESC, seq DESC LIMIT 1) t ON true) "
        "SELECT user_id::text, name, purpose, status FROM states WHERE status <> 'given' "
        "AND (NOT $2 OR (name, user_id) > ($3::text, $4::text::uuid)) "
        "ORDER BY name, user_id LIMIT $5",
        std::string(school_id), after.has_value(), after ? after->name : std::string(),
        after ? after->id : std::string("00000000-0000-0000-0000-000000000000"), limit);
    std::vector<MissingConsent> missing;
    for (const pqxx::row& row : rows) {
      const std::string status = row[3].as<std::string>();
      missing.push_back(
          {.person_id = row[0].as<std::string>(),
           .display_name = row[1].as<std::string>(),
           .purpose = ConsentPurposeFromName(row[2].as<std::string>())
                          .value_or(ConsentPurpose::kService),
           .status = status == "withdrawn" ? ConsentStatus::kWithdrawn
                     : status == "outdated" ? ConsentStatus::kOutdated
                                            : ConsentStatus::kMissing});
    }
    return missing;
  }

  absl::StatusOr<PersonExport> ExportPerson(absl::string_view person_id) override {
    const std::string id(person_id);
    PersonExport exported;
    pqxx::result schools = tx_.exec_params(
        "SELECT s.id::text, s.name, " PARTA_AGG("m.role") ", "
        "coalesce(array_to_string(ts.subjects, chr(31)), ''), " PARTA_PG_US("min(m.granted_at)")
        " FROM memberships m JOIN schools s ON s.id = m.school_id LEFT JOIN teacher_subjects ts "
        "ON ts.school_id = m.school_id AND ts.user_id = m.user_id WHERE m.user_id = $1 "
        "GROUP BY s.id, s.name, ts.subjects ORDER BY s.id",
        id);
    for (const pqxx::row& row : schools) {
      exported.memberships.push_back({.school_id = row[0].as<std::string>(),
                                      .school_name = row[1].as<std::string>(),
                                      .roles = ParseRoles(row[2]),
                                      .subjects = SplitList(row[3]),
                                      .joined_at = FromMicros(row[4].as<int64_t>())});
    }
    auto membership_of = [&](const std::string& school_id) -> ExportedMembership* {
      for (ExportedMembership& m : exported.memberships) {
        if (m.school_id == school_id) return &m;
      }
      return nullptr;
    };
    // Archived classes too: what he was in earlier years is held as well.
    pqxx::result classes = tx_.exec_params(
        absl::StrCat("SELECT ", kClassColumns, ", x.relation, x.subject FROM ("
                     "SELECT class_id, 'student' AS relation, '' AS subject FROM class_students "
                     "WHERE user_id = $1 "
                     "UNION ALL SELECT id, 'class_teacher', '' FROM classes "
                     "WHERE class_teacher_id = $1 "
                     "UNION ALL SELECT class_id, 'teacher', subject FROM class_teachers "
                     "WHERE user_id = $1) x JOIN classes ON classes.id = x.class_id "
                     "ORDER BY academic_year, grade, letter, id, relation, subject"),
        id);
    for (const pqxx::row& row : classes) {
      SchoolClass school_class = ClassFromRow(row);
      if (ExportedMembership* m = membership_of(school_class.school_id)) {
        m->classes.push_back({.school_class = std::move(school_class),
                              .relation = row[8].as<std::string>(),
                              .subject = row[9].as<std::string>()});
      }
    }
    for (ManagedPerson& person : ManagedPeopleFrom(tx_.exec_params(
             absl::StrCat("SELECT ", kManagedPersonColumns,
                          " FROM managed_people WHERE account_id = $1 ORDER BY school_id"),
             id))) {
      if (ExportedMembership* m = membership_of(person.school_id)) {
        m->records.push_back(std::move(person));
      }
    }
    pqxx::result links = tx_.exec_params(
        absl::StrCat("SELECT ", kLinkColumns, ", (SELECT name FROM schools s WHERE s.id = "
                     "parent_links.school_id) FROM parent_links WHERE parent_id = $1 OR "
                     "student_id = $1 ORDER BY created_at, id"),
        id);
    for (const pqxx::row& row : links) {
      exported.parent_links.push_back(
          {.link = LinkFromRow(row), .school_name = row[9].as<std::string>()});
    }
    for (const pqxx::row& row : tx_.exec_params(
             absl::StrCat("SELECT ", kConsentColumns,
                          " FROM consents WHERE person_id = $1 ORDER BY seq"),
             id)) {
      exported.consents.push_back(ConsentFromRow(row));
    }
    for (const pqxx::row& row : tx_.exec_params(
             absl::StrCat("SELECT ", kJoinRequestColumns,
                          " FROM join_requests WHERE user_id = $1 ORDER BY created_at, id"),
             id)) {
      exported.join_requests.push_back(JoinRequestFromRow(row));
    }
    return exported;
  }

  absl::Status Audit(absl::string_view school_id, const Caller& actor,
                     absl::string_view action, absl::string_view subject_id,
                     absl::Time at) override {
    tx_.exec_params(
        "INSERT INTO audit_log (school_id, actor_id, action, subject_id, generation, at, "
        "client_address) SELECT $1, $2, $3, $4, generation + 1, " PARTA_PG_TS("$5")
        ", $6 FROM schools WHERE id = $1",
        std::string(school_id), NullIfEmpty(actor.user_id), std::string(action),
        std::string(subject_id), ToMicros(at), actor.client_address);
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<AuditRecord>> ListAuditLog(absl::string_view school_id,
                                                        const AuditQuery& query,
                                                        int64_t before_id, int limit) override {
    // A family of actions: `invitation_*` is a LIKE prefix (the action names have no % or _
    // that matter here, but they are escaped all the same).
    std::string pattern = query.action;
    const bool prefix = !pattern.empty() && pattern.back() == '*';
    if (prefix) pattern.pop_back();
    std::string like;
    for (char c : pattern) {
      if (c == '%' || c == '_' || c == '\\') like += '\\';
      like += c;
    }
    like += prefix ? "%" : "";
    pqxx::result rows = tx_.exec_params(
        "SELECT id, coalesce(actor_id::text, ''), action, subject_id, " PARTA_PG_US("at")
        ", client_address FROM audit_log WHERE school_id = $1 "
        "AND ($2 = '' OR actor_id = nullif($2, '')::uuid OR subject_id = $2) "
        "AND ($3 = '' OR (CASE WHEN $4 THEN action LIKE $3 ELSE action = $3 END)) "
        "AND ($5::bigint IS NULL OR at >= " PARTA_PG_TS("$5") ") "
        "AND ($6::bigint IS NULL OR at < " PARTA_PG_TS("$6") ") "
        "AND ($7 = 0 OR id < $7) ORDER BY id DESC LIMIT $8",
        std::string(school_id), query.person_id, prefix ? like : query.action, prefix,
        query.since ? std::optional<int64_t>(ToMicros(*query.since)) : std::nullopt,
        query.until ? std::optional<int64_t>(ToMicros(*query.until)) : std::nullopt, before_id,
        limit);
    std::vector<AuditRecord> records;
    for (const pqxx::row& row : rows) {
      records.push_back(AuditRecord{.id = row[0].as<int64_t>(),
                                    .actor_id = row[1].as<std::string>(),
                                    .action = row[2].as<std::string>(),
                                    .subject_id = row[3].as<std::string>(),
                                    .at = FromMicros(row[4].as<int64_t>()),
                                    .client_address = row[5].as<std::string>()});
    }
    return records;
  }

  absl::StatusOr<int64_t> RecordChange(absl::string_view school_id, const Caller& actor,
                                       const Change& change, absl::Time at) override {
    // The row lock taken here also orders every change of one school.
    pqxx::result bumped = tx_.exec_params(
        "UPDATE schools SET generation = generation + 1 WHERE id = $1 RETURNING generation + 1",
        std::string(school_id));
    if (bumped.empty()) return Internal("SCHOOL_MISSING", "a change names a missing school");
    int64_t generation = bumped[0][0].as<int64_t>();
    v1::DirectoryEvent event;
    event.set_school_id(std::string(school_id));
    event.set_generation(generation);
    *event.mutable_time() = ToProto(at);
    event.set_actor_id(actor.user_id);
    ToProto(change, event);
    pg::AppendToOutbox(tx_, SchoolStream(school_id), event.GetDescriptor()->full_name(),
                       event.SerializeAsString());
    tx_.exec_params(
        "INSERT INTO audit_log (school_id, actor_id, action, subject_id, generation, at, "
        "client_address) VALUES ($1, $2, $3, $4, $5, " PARTA_PG_TS("$6") ", $7)",
        std::string(school_id), NullIfEmpty(actor.user_id),
        std::string(ActionName(change.kind)), SubjectOf(change), generation, ToMicros(at),
        actor.client_address);
    return generation;
  }

 private:
  static absl::Status ClassExists() {
    return AlreadyExists("CLASS_EXISTS",
                         "the school has an active class with this grade and letter that year");
  }

  // Deletes the school's links of one parent or one student (`side`: the column naming him).
  absl::StatusOr<std::vector<ParentLink>> DeleteLinks(absl::string_view side,
                                                      absl::string_view school_id,
                                                      absl::string_view person_id) {
    pqxx::result rows = tx_.exec_params(
        absl::StrCat("DELETE FROM parent_links WHERE school_id = $1 AND ", side,
                     " = $2 RETURNING ", kLinkColumns),
        std::string(school_id), std::string(person_id));
    std::vector<ParentLink> links;
    for (const pqxx::row& row : rows) links.push_back(LinkFromRow(row));
    return links;
  }

  absl::StatusOr<std::vector<Member>> QueryMembers(absl::string_view school_id,
                                                   std::optional<Role> role,
                                                   absl::string_view only_user,
                                                   absl::string_view after_user, int limit) {
    pqxx::result rows = tx_.exec_params(
        "SELECT m.user_id::text, " PARTA_AGG("m.role") ", "
        "coalesce(array_to_string(ts.subjects, chr(31)), ''), "
        PARTA_PG_US("min(m.granted_at)") " FROM memberships m LEFT JOIN teacher_subjects ts ON "
        "ts.school_id = m.school_id AND ts.user_id = m.user_id WHERE m.school_id = $1 AND "
        "($2 = '' OR m.user_id = $2::text::uuid) AND ($3 = '' OR m.user_id > $3::text::uuid) "
        "GROUP BY m.user_id, ts.subjects "
        "HAVING $4 = '' OR bool_or(m.role = $4) ORDER BY m.user_id LIMIT $5",
        std::string(school_id), std::string(only_user), std::string(after_user),
        role ? std::string(RoleName(*role)) : std::string(), limit);
    std::vector<Member> members;
    for (const pqxx::row& row : rows) {
      members.push_back({.school_id = std::string(school_id),
                         .user_id = row[0].as<std::string>(),
                         .roles = ParseRoles(row[1]),
                         .subjects = SplitList(row[2]),
                         .joined_at = FromMicros(row[3].as<int64_t>())});
    }
    return members;
  }

  pqxx::transaction_base& tx_;
};

}  // namespace

std::string SchoolStream(absl::string_view school_id) { return absl::StrCat("school/", school_id); }

absl::Status PgDirectoryStore::Transact(const std::function<absl::Status(DirectoryTx&)>& work) {
  return pool_.Transact([&](pqxx::work& tx) {
    PgDirectoryTx adapter(tx);
    return work(adapter);
  });
}

absl::Status PgDirectoryStore::Read(const std::function<absl::Status(DirectoryTx&)>& work) {
  return pool_.Read([&](pqxx::nontransaction& tx) {
    PgDirectoryTx adapter(tx);
    return work(adapter);
  });
}

absl::StatusOr<std::vector<Event>> PgDirectoryStore::ReadEvents(absl::string_view school_id,
                                                                int64_t after_sequence, int limit) {
  return pg::ReadOutbox(pool_, SchoolStream(school_id), after_sequence, limit);
}

absl::StatusOr<int64_t> PgDirectoryStore::PurgeAuditLog(absl::Time before) {
  return pool_.TransactFor<int64_t>([&](pqxx::work& tx) -> absl::StatusOr<int64_t> {
    return static_cast<int64_t>(
        tx.exec_params("DELETE FROM audit_log WHERE at < " PARTA_PG_TS("$1"), ToMicros(before))
            .affected_rows());
  });
}

absl::StatusOr<int64_t> PgDirectoryStore::PurgeRequests(absl::Time before) {
  return pool_.TransactFor<int64_t>([&](pqxx::work& tx) -> absl::StatusOr<int64_t> {
    return static_cast<int64_t>(
        tx.exec_params("DELETE FROM create_requests WHERE created_at < " PARTA_PG_TS("$1"),
                       ToMicros(before))
            .affected_rows());
  });
}

}  // namespace parta::directory
