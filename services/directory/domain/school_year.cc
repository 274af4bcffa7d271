// Use cases of join requests, the yearly rollover and the timetable (declared in directory.h).

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "libs/core/log.h"
#include "libs/core/status.h"
#include "services/directory/domain/directory.h"
#include "services/directory/domain/use_case_support.h"
#include "services/directory/domain/validation.h"

namespace parta::directory {
namespace {

// The token-paged lists of this file: their names bind a token to its list.
constexpr absl::string_view kJoinRequestsList = "join_requests";
constexpr absl::string_view kMyJoinRequestsList = "my_join_requests";

}  // namespace

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
                                                                     bool include_decided,
                                                                     Page& page) {
  ASSIGN_OR_RETURN(int size, PageSize(page.size, 200));
  // A token serves the same school, caller and filter only.
  const std::string scope =
      absl::StrCat(school_id, "/", caller.user_id, "/", include_decided ? "all" : "pending");
  ASSIGN_OR_RETURN(std::optional<CreatedKey> after,
                   DecodeCreatedKey(page.token, kJoinRequestsList, scope));
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
    ASSIGN_OR_RETURN(
        requests, tx.ListJoinRequests(school_id, include_decided, classes, now, after, size + 1));
    return absl::OkStatus();
  }));
  page.token.clear();
  if (static_cast<int>(requests.size()) > size) {
    requests.resize(size);
    const JoinRequest& last = requests.back();
    page.token =
        EncodeCreatedKey(kJoinRequestsList, scope, {.created_at = last.created_at, .id = last.id});
  }
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

absl::StatusOr<std::vector<JoinRequest>> Directory::ListMyJoinRequests(const Caller& caller,
                                                                       Page& page) {
  ASSIGN_OR_RETURN(int size, PageSize(page.size, 200));
  ASSIGN_OR_RETURN(std::optional<CreatedKey> before,
                   DecodeCreatedKey(page.token, kMyJoinRequestsList, caller.user_id));
  std::vector<JoinRequest> requests;
  RETURN_IF_ERROR(store_.Read([&](DirectoryTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(requests, tx.ListUserJoinRequests(caller.user_id, before, size + 1));
    return absl::OkStatus();
  }));
  page.token.clear();
  if (static_cast<int>(requests.size()) > size) {
    requests.resize(size);
    const JoinRequest& last = requests.back();
    page.token = EncodeCreatedKey(kMyJoinRequestsList, caller.user_id,
                                  {.created_at = last.created_at, .id = last.id});
  }
  absl::Time now = clock_.Now();
  for (JoinRequest& request : requests) request.state = request.StateAt(now);
  return requests;
}

namespace {

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
  return EndStudentFamily(tx, recorder, school_id, student_id);
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
      // The archive comes first in the stream: consumers freeze what hangs on the class (its
      // chats keep the year's students) before its students move on.
      school_class.archived = true;
      RETURN_IF_ERROR(tx.UpdateClass(school_class));
      RETURN_IF_ERROR(recorder.Record(
          school_id, {.kind = Change::Kind::kClassArchived, .school_class = school_class}));
      result.archived_class_ids.push_back(school_class.id);
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

absl::StatusOr<Lesson> Directory::CreateLesson(const Caller& caller, Lesson lesson,
                                               const RetryKey& retry) {
  RETURN_IF_ERROR(NormalizeLesson(lesson));
  lesson.id = ids_.NewId();
  RETURN_IF_ERROR(Mutate(caller, [&](DirectoryTx& tx, Recorder& recorder) -> absl::Status {
    ASSIGN_OR_RETURN(PersonFacts facts, CallerFacts(tx, caller, lesson.school_id));
    RETURN_IF_ERROR(RequireSchool(caller, facts, Permission::kSchoolTimetableManage,
                                  "NOT_SCHOOL_ADMIN", "only an admin of the school edits lessons"));
    ASSIGN_OR_RETURN(std::optional<std::string> first,
                     tx.ClaimRequest(caller.user_id, "CreateLesson", retry, lesson.id,
                                     clock_.Now()));
    if (first) {  // a retry: the lesson the first call made
      ASSIGN_OR_RETURN(std::optional<Lesson> made, tx.FindLesson(lesson.school_id, *first));
      if (!made) return NotFound("LESSON_NOT_FOUND", "no such lesson in the school");
      lesson = *std::move(made);
      return absl::OkStatus();
    }
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

}  // namespace parta::directory
