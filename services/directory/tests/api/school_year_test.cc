// Join requests, the weekly timetable and the yearly rollover.

#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "services/directory/tests/directory_fixture.h"

namespace parta::directory {
namespace {

using testing::DirectoryFixture;
using testing::SchoolWorld;
using Stub = v1::DirectoryService::Stub;

::grpc::Status AskToJoin(DirectoryFixture& f, const std::string& user, const SchoolWorld& w,
                         v1::Role role, const std::string& class_id, v1::JoinRequest* out,
                         const std::string& message = "Здравствуйте!") {
  v1::CreateJoinRequestRequest request;
  request.set_school_id(w.school_id);
  request.set_role(role);
  request.set_class_id(class_id);
  request.set_message(message);
  v1::CreateJoinRequestResponse response;
  ::grpc::Status status = f.Call(&Stub::CreateJoinRequest, user, request, &response);
  *out = response.join_request();
  return status;
}

TEST_CASE("Join requests: asked, collapsed, listed by who decides, approved once",
          "[directory][api][join]") {
  PARTA_DIRECTORY_FIXTURE(f);
  SchoolWorld w = f->BuildSchool();
  std::string newcomer = DirectoryFixture::NewUser();
  v1::JoinRequest first, second;
  REQUIRE_RPC_OK(AskToJoin(*f, newcomer, w, v1::ROLE_STUDENT, w.class_id, &first));
  CHECK(first.state() == v1::JOIN_REQUEST_STATE_PENDING);
  REQUIRE_RPC_OK(AskToJoin(*f, newcomer, w, v1::ROLE_STUDENT, w.class_id, &second, "Ещё раз"));
  CHECK(second.id() == first.id());
  CHECK(second.message() == "Ещё раз");

  // The class teacher sees requests for his class; another teacher sees none, and may not.
  std::string other_teacher = f->Join(w.school_id, f->Token(w.admin), v1::ROLE_TEACHER);
  v1::ListJoinRequestsRequest list;
  list.set_school_id(w.school_id);
  v1::ListJoinRequestsResponse listed;
  REQUIRE_RPC_OK(f->Call(&Stub::ListJoinRequests, w.teacher, list, &listed));
  REQUIRE(listed.requests_size() == 2);  // with the outsider's of every built school
  CHECK((listed.requests(0).user_id() == newcomer || listed.requests(1).user_id() == newcomer));
  CHECK_RPC_ERROR(f->Call(&Stub::ListJoinRequests, other_teacher, list, &listed), PERMISSION_DENIED,
                  "NOT_SCHOOL_ADMIN");

  v1::ApproveJoinRequestRequest approve;
  approve.set_school_id(w.school_id);
  approve.set_request_id(first.id());
  v1::ApproveJoinRequestResponse decided;
  CHECK_RPC_ERROR(f->Call(&Stub::ApproveJoinRequest, other_teacher, approve, &decided),
                  PERMISSION_DENIED, "NOT_CLASS_TEACHER");
  CHECK_RPC_ERROR(f->Call(&Stub::ApproveJoinRequest, newcomer, approve, &decided), NOT_FOUND,
                  "SCHOOL_NOT_FOUND");
  REQUIRE_RPC_OK(f->Call(&Stub::ApproveJoinRequest, w.teacher, approve, &decided));
  CHECK(decided.join_request().state() == v1::JOIN_REQUEST_STATE_APPROVED);
  CHECK(decided.join_request().decided_by() == w.teacher);
  CHECK_RPC_ERROR(f->Call(&Stub::ApproveJoinRequest, w.admin, approve, &decided),
                  FAILED_PRECONDITION, "JOIN_REQUEST_NOT_PENDING");
  CHECK(f->Allowed(newcomer, "class.students_chat",
                   absl::StrCat("schools/", w.school_id, "/classes/", w.class_id)));
  CHECK_RPC_ERROR(AskToJoin(*f, newcomer, w, v1::ROLE_STUDENT, w.class_id, &second),
                  FAILED_PRECONDITION, "ALREADY_MEMBER");

  v1::ListMyJoinRequestsResponse mine;
  REQUIRE_RPC_OK(
      f->Call(&Stub::ListMyJoinRequests, newcomer, v1::ListMyJoinRequestsRequest(), &mine));
  REQUIRE(mine.requests_size() == 1);
  CHECK(mine.requests(0).state() == v1::JOIN_REQUEST_STATE_APPROVED);
}

TEST_CASE("Join requests: declined with a reason, expired, and bad input refused",
          "[directory][api][join]") {
  PARTA_DIRECTORY_FIXTURE(f);
  SchoolWorld w = f->BuildSchool();
  std::string applicant = DirectoryFixture::NewUser();
  v1::JoinRequest asked;
  REQUIRE_RPC_OK(AskToJoin(*f, applicant, w, v1::ROLE_TEACHER, "", &asked));
  v1::DeclineJoinRequestRequest decline;
  decline.set_school_id(w.school_id);
  decline.set_request_id(asked.id());
  v1::DeclineJoinRequestResponse decided;
  CHECK_RPC_ERROR(f->Call(&Stub::DeclineJoinRequest, w.admin, decline, &decided), INVALID_ARGUMENT,
                  "INVALID_REASON");
  decline.set_reason("Вакансий нет");
  CHECK_RPC_ERROR(f->Call(&Stub::DeclineJoinRequest, w.teacher, decline, &decided),
                  PERMISSION_DENIED, "NOT_SCHOOL_ADMIN");
  REQUIRE_RPC_OK(f->Call(&Stub::DeclineJoinRequest, w.admin, decline, &decided));
  CHECK(decided.join_request().state() == v1::JOIN_REQUEST_STATE_DECLINED);
  CHECK(decided.join_request().decline_reason() == "Вакансий нет");
  CHECK_FALSE(f->Allowed(applicant, "school.read", "schools/" + w.school_id));

  // A new request after the decision is a new one; left alone, it expires.
  REQUIRE_RPC_OK(AskToJoin(*f, applicant, w, v1::ROLE_TEACHER, "", &asked));
  f->clock().Advance(absl::Hours(24 * 31));
  v1::ApproveJoinRequestRequest approve;
  approve.set_school_id(w.school_id);
  approve.set_request_id(asked.id());
  v1::ApproveJoinRequestResponse approved;
  CHECK_RPC_ERROR(f->Call(&Stub::ApproveJoinRequest, w.admin, approve, &approved),
                  FAILED_PRECONDITION, "JOIN_REQUEST_EXPIRED");
  v1::ListJoinRequestsRequest list;
  list.set_school_id(w.school_id);
  v1::ListJoinRequestsResponse listed;
  REQUIRE_RPC_OK(f->Call(&Stub::ListJoinRequests, w.admin, list, &listed));
  CHECK(listed.requests_size() == 0);
  list.set_include_decided(true);
  REQUIRE_RPC_OK(f->Call(&Stub::ListJoinRequests, w.admin, list, &listed));
  REQUIRE(listed.requests_size() == 3);  // with the outsider's of every built school
  for (const v1::JoinRequest& request : listed.requests()) {
    if (request.user_id() != applicant) continue;
    CHECK(request.state() == (request.id() == asked.id() ? v1::JOIN_REQUEST_STATE_EXPIRED
                                                         : v1::JOIN_REQUEST_STATE_DECLINED));
  }
  v1::JoinRequest fresh;
  REQUIRE_RPC_OK(AskToJoin(*f, applicant, w, v1::ROLE_TEACHER, "", &fresh));
  CHECK(fresh.id() != asked.id());

  CHECK_RPC_ERROR(AskToJoin(*f, applicant, w, v1::ROLE_ADMIN, "", &asked), INVALID_ARGUMENT,
                  "INVALID_ROLE");
  CHECK_RPC_ERROR(AskToJoin(*f, applicant, w, v1::ROLE_PARENT, "", &asked), INVALID_ARGUMENT,
                  "INVALID_ROLE");
  CHECK_RPC_ERROR(AskToJoin(*f, applicant, w, v1::ROLE_STUDENT, "", &asked), INVALID_ARGUMENT,
                  "CLASS_REQUIRED");
  CHECK_RPC_ERROR(AskToJoin(*f, applicant, w, v1::ROLE_EMPLOYEE, w.class_id, &asked),
                  INVALID_ARGUMENT, "CLASS_NOT_ALLOWED");
  CHECK_RPC_ERROR(AskToJoin(*f, applicant, w, v1::ROLE_EMPLOYEE, "", &asked, std::string(501, 'x')),
                  INVALID_ARGUMENT, "INVALID_MESSAGE");
  SchoolWorld nowhere{.school_id = DirectoryFixture::NewUser()};
  CHECK_RPC_ERROR(AskToJoin(*f, applicant, nowhere, v1::ROLE_EMPLOYEE, "", &asked), NOT_FOUND,
                  "SCHOOL_NOT_FOUND");
}

v1::CreateLessonRequest LessonRequest(const SchoolWorld& w, int weekday, const char* start,
                                      const char* end, const std::string& class_id,
                                      const std::string& teacher) {
  v1::CreateLessonRequest request;
  request.set_school_id(w.school_id);
  v1::Lesson& lesson = *request.mutable_lesson();
  lesson.set_class_id(class_id);
  lesson.set_weekday(weekday);
  lesson.set_start_time(start);
  lesson.set_end_time(end);
  lesson.set_subject("Математика");
  lesson.set_teacher_id(teacher);
  lesson.set_room("214");
  return request;
}

TEST_CASE("Timetable: no class or teacher in two lessons at once, weeks in the school's zone",
          "[directory][api][timetable]") {
  PARTA_DIRECTORY_FIXTURE(f);
  SchoolWorld w = f->BuildSchool();
  std::string other_class = f->CreateClass(w.school_id, w.admin, 6, "Б");
  std::string other_teacher = f->Join(w.school_id, f->Token(w.admin), v1::ROLE_TEACHER);
  v1::CreateLessonResponse lesson;
  REQUIRE_RPC_OK(f->Call(&Stub::CreateLesson, w.admin,
                         LessonRequest(w, 1, "08:30", "09:15", w.class_id, w.teacher), &lesson));
  CHECK(lesson.lesson().start_time() == "08:30");
  CHECK_RPC_ERROR(
      f->Call(&Stub::CreateLesson, w.admin,
              LessonRequest(w, 1, "09:00", "09:45", w.class_id, other_teacher), &lesson),
      FAILED_PRECONDITION, "CLASS_BUSY");
  CHECK_RPC_ERROR(f->Call(&Stub::CreateLesson, w.admin,
                          LessonRequest(w, 1, "08:00", "08:31", other_class, w.teacher), &lesson),
                  FAILED_PRECONDITION, "TEACHER_BUSY");
  // Back to back is fine; another day is fine.
  REQUIRE_RPC_OK(f->Call(&Stub::CreateLesson, w.admin,
                         LessonRequest(w, 1, "09:15", "10:00", other_class, w.teacher), &lesson));
  v1::CreateLessonRequest tuesday = LessonRequest(w, 2, "08:30", "09:15", other_class, w.teacher);
  tuesday.set_request_id("вторник-1");
  REQUIRE_RPC_OK(f->Call(&Stub::CreateLesson, w.admin, tuesday, &lesson));
  std::string tuesday_lesson = lesson.lesson().id();
  // Retried after a lost answer: the same lesson, not TEACHER_BUSY against itself.
  v1::CreateLessonResponse retried;
  REQUIRE_RPC_OK(f->Call(&Stub::CreateLesson, w.admin, tuesday, &retried));
  CHECK(retried.lesson().id() == tuesday_lesson);

  CHECK_RPC_ERROR(f->Call(&Stub::CreateLesson, w.teacher,
                          LessonRequest(w, 3, "08:30", "09:15", w.class_id, w.teacher), &lesson),
                  PERMISSION_DENIED, "NOT_SCHOOL_ADMIN");
  CHECK_RPC_ERROR(f->Call(&Stub::CreateLesson, w.admin,
                          LessonRequest(w, 8, "08:30", "09:15", w.class_id, w.teacher), &lesson),
                  INVALID_ARGUMENT, "INVALID_WEEKDAY");
  CHECK_RPC_ERROR(f->Call(&Stub::CreateLesson, w.admin,
                          LessonRequest(w, 3, "09:30", "09:15", w.class_id, w.teacher), &lesson),
                  INVALID_ARGUMENT, "INVALID_TIME");
  CHECK_RPC_ERROR(f->Call(&Stub::CreateLesson, w.admin,
                          LessonRequest(w, 3, "24:00", "24:30", w.class_id, w.teacher), &lesson),
                  INVALID_ARGUMENT, "INVALID_TIME");
  CHECK_RPC_ERROR(f->Call(&Stub::CreateLesson, w.admin,
                          LessonRequest(w, 3, "08:30", "09:15", w.class_id, w.student), &lesson),
                  INVALID_ARGUMENT, "NOT_A_TEACHER");

  v1::GetTeacherTimetableRequest week;
  week.set_school_id(w.school_id);
  week.set_teacher_id(w.teacher);
  week.set_week_of("2026-12-03");  // a Thursday
  v1::GetTeacherTimetableResponse teacher_week;
  REQUIRE_RPC_OK(f->Call(&Stub::GetTeacherTimetable, w.student, week, &teacher_week));
  const v1::Timetable& timetable = teacher_week.timetable();
  CHECK(timetable.time_zone() == "Europe/Moscow");
  CHECK(timetable.week_start() == "2026-11-30");
  REQUIRE(timetable.entries_size() == 4);  // with the Saturday lesson of every built school
  // Monday 08:30 in Moscow (UTC+3) is 05:30 UTC.
  CHECK(timetable.entries(0).start_time().seconds() ==
        absl::ToUnixSeconds(
            absl::FromCivil(absl::CivilMinute(2026, 11, 30, 5, 30), absl::UTCTimeZone())));
  CHECK(timetable.entries(2).lesson().weekday() == 2);
  week.set_week_of("3 December");
  CHECK_RPC_ERROR(f->Call(&Stub::GetTeacherTimetable, w.student, week, &teacher_week),
                  INVALID_ARGUMENT, "INVALID_DATE");

  v1::GetClassTimetableRequest class_week;
  class_week.set_school_id(w.school_id);
  class_week.set_class_id(w.class_id);
  v1::GetClassTimetableResponse class_timetable;
  REQUIRE_RPC_OK(f->Call(&Stub::GetClassTimetable, w.parent, class_week, &class_timetable));
  CHECK(class_timetable.timetable().entries_size() == 2);

  v1::DeleteLessonRequest remove;
  remove.set_school_id(w.school_id);
  remove.set_lesson_id(tuesday_lesson);
  v1::DeleteLessonResponse removed;
  REQUIRE_RPC_OK(f->Call(&Stub::DeleteLesson, w.admin, remove, &removed));
  CHECK_RPC_ERROR(f->Call(&Stub::DeleteLesson, w.admin, remove, &removed), NOT_FOUND,
                  "LESSON_NOT_FOUND");
}

TEST_CASE(
    "Rollover: a dry run lists exactly what the real run then does, and a second run "
    "changes nothing",
    "[directory][api][rollover]") {
  PARTA_DIRECTORY_FIXTURE(f);
  SchoolWorld w = f->BuildSchool();  // 5А of 2026 with a student and his parent
  std::string eleventh = f->CreateClass(w.school_id, w.admin, 11, "А");
  std::string graduate = f->Join(w.school_id, f->Token(w.admin), v1::ROLE_STUDENT, eleventh);
  std::string preschool = f->CreateClass(w.school_id, w.admin, 0, "Подготовительная группа");
  v1::AddClassTeacherRequest add;
  add.set_school_id(w.school_id);
  add.set_class_id(w.class_id);
  add.set_user_id(w.teacher);
  add.set_subject("Литература");
  v1::AddClassTeacherResponse ignored;
  REQUIRE_RPC_OK(f->Call(&Stub::AddClassTeacher, w.admin, add, &ignored));

  v1::RolloverAcademicYearRequest request;
  request.set_school_id(w.school_id);
  request.set_from_year(2026);
  request.set_dry_run(true);
  v1::RolloverAcademicYearResponse plan;
  CHECK_RPC_ERROR(f->Call(&Stub::RolloverAcademicYear, w.teacher, request, &plan),
                  PERMISSION_DENIED, "NOT_SCHOOL_ADMIN");
  REQUIRE_RPC_OK(f->Call(&Stub::RolloverAcademicYear, w.admin, request, &plan));
  CHECK(plan.dry_run());
  REQUIRE(plan.transfers_size() == 1);
  CHECK(plan.transfers(0).from_display_name() == "5А");
  CHECK(plan.transfers(0).to_display_name() == "6А");
  CHECK(plan.transfers(0).to_class_id().empty());  // would be created
  CHECK(plan.transfers(0).student_count() == 1);
  CHECK(plan.graduated_student_ids_size() == 1);
  CHECK(plan.archived_class_ids_size() == 2);
  // Nothing was written.
  v1::ListClassesRequest classes_request;
  classes_request.set_school_id(w.school_id);
  v1::ListClassesResponse classes;
  REQUIRE_RPC_OK(f->Call(&Stub::ListClasses, w.admin, classes_request, &classes));
  CHECK(classes.classes_size() == 3);

  request.set_dry_run(false);
  v1::RolloverAcademicYearResponse done;
  REQUIRE_RPC_OK(f->Call(&Stub::RolloverAcademicYear, w.admin, request, &done));
  CHECK_FALSE(done.dry_run());
  REQUIRE(done.transfers_size() == 1);
  CHECK(done.graduated_student_ids(0) == graduate);
  std::string sixth = done.transfers(0).to_class_id();
  v1::GetClassRosterRequest roster_request;
  roster_request.set_school_id(w.school_id);
  roster_request.set_class_id(sixth);
  v1::GetClassRosterResponse got;
  REQUIRE_RPC_OK(f->Call(&Stub::GetClassRoster, w.admin, roster_request, &got));
  const v1::ClassRoster& roster = got.roster();
  CHECK(roster.class_().display_name() == "6А");
  CHECK(roster.class_().academic_year() == 2027);
  CHECK(roster.class_().class_teacher_id() == w.teacher);
  CHECK(roster.student_ids_size() == 1);
  CHECK(roster.teachers_size() == 2);
  CHECK(roster.parents_size() == 1);
  CHECK(f->Allowed(w.student, "class.students_chat",
                   absl::StrCat("schools/", w.school_id, "/classes/", sixth)));
  CHECK_FALSE(f->Allowed(graduate, "school.read", "schools/" + w.school_id));
  REQUIRE_RPC_OK(f->Call(&Stub::ListClasses, w.admin, classes_request, &classes));
  CHECK(classes.classes_size() == 2);  // 6А of 2027 and the pre-school group
  classes_request.set_include_archived(true);
  REQUIRE_RPC_OK(f->Call(&Stub::ListClasses, w.admin, classes_request, &classes));
  CHECK(classes.classes_size() == 4);

  v1::ListEventsRequest events_request;
  events_request.set_school_id(w.school_id);
  v1::ListEventsResponse events;
  REQUIRE_RPC_OK(f->CallWithToken(&Stub::ListEvents, f->ServiceToken(), events_request, &events));
  int64_t last = events.events(events.events_size() - 1).sequence();
  CHECK(events.events(events.events_size() - 1).event().has_rollover_completed());

  // Again: nothing to do, nothing written.
  v1::RolloverAcademicYearResponse again;
  REQUIRE_RPC_OK(f->Call(&Stub::RolloverAcademicYear, w.admin, request, &again));
  CHECK(again.transfers_size() == 0);
  CHECK(again.archived_class_ids_size() == 0);
  REQUIRE_RPC_OK(f->CallWithToken(&Stub::ListEvents, f->ServiceToken(), events_request, &events));
  CHECK(events.events(events.events_size() - 1).sequence() == last);
  CHECK_FALSE(preschool.empty());

  request.set_from_year(1999);
  CHECK_RPC_ERROR(f->Call(&Stub::RolloverAcademicYear, w.admin, request, &again), INVALID_ARGUMENT,
                  "INVALID_ACADEMIC_YEAR");
}

}  // namespace
}  // namespace parta::directory
