// The cross-school matrix: two schools, each with an admin, a teacher, an employee, a student
// and a parent. Every school-scoped RPC is called by each person of one school with the other
// school's ids (and with his own school's id plus the other school's object ids); every call
// must be refused and change nothing.

#include <catch2/catch.hpp>
#include <functional>
#include <map>

#include "absl/strings/str_cat.h"
#include "services/directory/domain/policy.h"
#include "services/directory/tests/directory_fixture.h"

namespace parta::directory {
namespace {

using testing::DirectoryFixture;
using testing::SchoolWorld;
using Stub = v1::DirectoryService::Stub;

// One RPC called by `caller` against `home` (the caller's school) and `foreign` (the other).
using Attempt = std::function<::grpc::Status(const std::string& caller, const SchoolWorld& home,
                                             const SchoolWorld& foreign)>;

template <typename Request, typename Response>
Attempt Rpc(DirectoryFixture& f,
            ::grpc::Status (Stub::*method)(::grpc::ClientContext*, const Request&, Response*),
            std::function<Request(const SchoolWorld& home, const SchoolWorld& foreign)> build) {
  return [&f, method, build](const std::string& caller, const SchoolWorld& home,
                             const SchoolWorld& foreign) {
    Response response;
    return f.Call(method, caller, build(home, foreign), &response);
  };
}

std::map<std::string, Attempt> Attempts(DirectoryFixture& f) {
  using W = const SchoolWorld&;
  std::map<std::string, Attempt> attempts;
  attempts["GetSchool"] =
      Rpc<v1::GetSchoolRequest, v1::GetSchoolResponse>(f, &Stub::GetSchool, [](W, W b) {
        v1::GetSchoolRequest r;
        r.set_school_id(b.school_id);
        return r;
      });
  attempts["UpdateSchool"] =
      Rpc<v1::UpdateSchoolRequest, v1::UpdateSchoolResponse>(f, &Stub::UpdateSchool, [](W, W b) {
        v1::UpdateSchoolRequest r;
        r.mutable_school()->set_id(b.school_id);
        r.mutable_school()->set_description("взлом");
        r.mutable_update_mask()->add_paths("description");
        return r;
      });
  attempts["ListMembers"] =
      Rpc<v1::ListMembersRequest, v1::ListMembersResponse>(f, &Stub::ListMembers, [](W, W b) {
        v1::ListMembersRequest r;
        r.set_school_id(b.school_id);
        return r;
      });
  attempts["RemoveMemberRole"] = Rpc<v1::RemoveMemberRoleRequest, v1::RemoveMemberRoleResponse>(
      f, &Stub::RemoveMemberRole, [](W, W b) {
        v1::RemoveMemberRoleRequest r;
        r.set_school_id(b.school_id);
        r.set_user_id(b.teacher);
        r.set_role(v1::ROLE_TEACHER);
        return r;
      });
  attempts["RemoveMemberRole of a foreign member in the home school"] =
      Rpc<v1::RemoveMemberRoleRequest, v1::RemoveMemberRoleResponse>(
          f, &Stub::RemoveMemberRole, [](W a, W b) {
            v1::RemoveMemberRoleRequest r;
            r.set_school_id(a.school_id);
            r.set_user_id(b.teacher);
            r.set_role(v1::ROLE_TEACHER);
            return r;
          });
  attempts["SetTeacherSubjects"] =
      Rpc<v1::SetTeacherSubjectsRequest, v1::SetTeacherSubjectsResponse>(
          f, &Stub::SetTeacherSubjects, [](W, W b) {
            v1::SetTeacherSubjectsRequest r;
            r.set_school_id(b.school_id);
            r.set_user_id(b.teacher);
            r.add_subjects("Физика");
            return r;
          });
  attempts["CreateClass"] =
      Rpc<v1::CreateClassRequest, v1::CreateClassResponse>(f, &Stub::CreateClass, [](W, W b) {
        v1::CreateClassRequest r;
        r.set_school_id(b.school_id);
        r.mutable_class_()->set_grade(9);
        r.mutable_class_()->set_letter("Я");
        r.mutable_class_()->set_academic_year(2026);
        return r;
      });
  attempts["CreateClass led by a foreign teacher"] =
      Rpc<v1::CreateClassRequest, v1::CreateClassResponse>(f, &Stub::CreateClass, [](W a, W b) {
        v1::CreateClassRequest r;
        r.set_school_id(a.school_id);
        r.mutable_class_()->set_grade(9);
        r.mutable_class_()->set_letter("Ю");
        r.mutable_class_()->set_academic_year(2026);
        r.mutable_class_()->set_class_teacher_id(b.teacher);
        return r;
      });
  attempts["GetClass"] =
      Rpc<v1::GetClassRequest, v1::GetClassResponse>(f, &Stub::GetClass, [](W, W b) {
        v1::GetClassRequest r;
        r.set_school_id(b.school_id);
        r.set_class_id(b.class_id);
        return r;
      });
  attempts["GetClass of a foreign class through the home school"] =
      Rpc<v1::GetClassRequest, v1::GetClassResponse>(f, &Stub::GetClass, [](W a, W b) {
        v1::GetClassRequest r;
        r.set_school_id(a.school_id);
        r.set_class_id(b.class_id);
        return r;
      });
  attempts["ListClasses"] =
      Rpc<v1::ListClassesRequest, v1::ListClassesResponse>(f, &Stub::ListClasses, [](W, W b) {
        v1::ListClassesRequest r;
        r.set_school_id(b.school_id);
        return r;
      });
  attempts["UpdateClass"] =
      Rpc<v1::UpdateClassRequest, v1::UpdateClassResponse>(f, &Stub::UpdateClass, [](W a, W b) {
        v1::UpdateClassRequest r;
        r.set_school_id(a.school_id);
        r.mutable_class_()->set_id(b.class_id);
        r.mutable_class_()->set_letter("Э");
        r.mutable_update_mask()->add_paths("letter");
        return r;
      });
  attempts["ArchiveClass"] =
      Rpc<v1::ArchiveClassRequest, v1::ArchiveClassResponse>(f, &Stub::ArchiveClass, [](W, W b) {
        v1::ArchiveClassRequest r;
        r.set_school_id(b.school_id);
        r.set_class_id(b.class_id);
        return r;
      });
  attempts["GetClassRoster"] = Rpc<v1::GetClassRosterRequest, v1::GetClassRosterResponse>(
      f, &Stub::GetClassRoster, [](W a, W b) {
        v1::GetClassRosterRequest r;
        r.set_school_id(a.school_id);
        r.set_class_id(b.class_id);
        return r;
      });
  attempts["GetClassRoster in the foreign school"] =
      Rpc<v1::GetClassRosterRequest, v1::GetClassRosterResponse>(f, &Stub::GetClassRoster,
                                                                 [](W, W b) {
                                                                   v1::GetClassRosterRequest r;
                                                                   r.set_school_id(b.school_id);
                                                                   r.set_class_id(b.class_id);
                                                                   return r;
                                                                 });
  attempts["AddClassTeacher"] = Rpc<v1::AddClassTeacherRequest, v1::AddClassTeacherResponse>(
      f, &Stub::AddClassTeacher, [](W a, W b) {
        v1::AddClassTeacherRequest r;
        r.set_school_id(a.school_id);
        r.set_class_id(a.class_id);
        r.set_user_id(b.teacher);
        r.set_subject("Химия");
        return r;
      });
  attempts["MoveStudent into a foreign class"] =
      Rpc<v1::MoveStudentRequest, v1::MoveStudentResponse>(f, &Stub::MoveStudent, [](W a, W b) {
        v1::MoveStudentRequest r;
        r.set_school_id(a.school_id);
        r.set_student_id(a.student);
        r.set_to_class_id(b.class_id);
        return r;
      });
  attempts["MoveStudent a foreign student"] =
      Rpc<v1::MoveStudentRequest, v1::MoveStudentResponse>(f, &Stub::MoveStudent, [](W a, W b) {
        v1::MoveStudentRequest r;
        r.set_school_id(a.school_id);
        r.set_student_id(b.student);
        r.set_to_class_id(a.class_id);
        return r;
      });
  for (v1::Role role : {v1::ROLE_ADMIN, v1::ROLE_TEACHER, v1::ROLE_EMPLOYEE, v1::ROLE_STUDENT}) {
    attempts[absl::StrCat("CreateInvitation ", v1::Role_Name(role))] =
        Rpc<v1::CreateInvitationRequest, v1::CreateInvitationResponse>(
            f, &Stub::CreateInvitation, [role](W, W b) {
              v1::CreateInvitationRequest r;
              r.set_school_id(b.school_id);
              r.set_role(role);
              if (role == v1::ROLE_STUDENT) r.set_class_id(b.class_id);
              return r;
            });
  }
  attempts["CreateInvitation to a foreign class"] =
      Rpc<v1::CreateInvitationRequest, v1::CreateInvitationResponse>(
          f, &Stub::CreateInvitation, [](W a, W b) {
            v1::CreateInvitationRequest r;
            r.set_school_id(a.school_id);
            r.set_role(v1::ROLE_STUDENT);
            r.set_class_id(b.class_id);
            return r;
          });
  attempts["CreateParentInvitation"] =
      Rpc<v1::CreateParentInvitationRequest, v1::CreateParentInvitationResponse>(
          f, &Stub::CreateParentInvitation, [](W a, W b) {
            v1::CreateParentInvitationRequest r;
            r.set_school_id(a.school_id);
            r.set_student_id(b.student);
            return r;
          });
  attempts["CreateParentInvitation in the foreign school"] =
      Rpc<v1::CreateParentInvitationRequest, v1::CreateParentInvitationResponse>(
          f, &Stub::CreateParentInvitation, [](W, W b) {
            v1::CreateParentInvitationRequest r;
            r.set_school_id(b.school_id);
            r.set_student_id(b.student);
            return r;
          });
  attempts["ListInvitations"] = Rpc<v1::ListInvitationsRequest, v1::ListInvitationsResponse>(
      f, &Stub::ListInvitations, [](W, W b) {
        v1::ListInvitationsRequest r;
        r.set_school_id(b.school_id);
        return r;
      });
  attempts["RevokeInvitation"] = Rpc<v1::RevokeInvitationRequest, v1::RevokeInvitationResponse>(
      f, &Stub::RevokeInvitation, [](W a, W b) {
        v1::RevokeInvitationRequest r;
        r.set_school_id(a.school_id);
        r.set_invitation_id(b.open_invitation_id);
        return r;
      });
  attempts["RevokeInvitation in the foreign school"] =
      Rpc<v1::RevokeInvitationRequest, v1::RevokeInvitationResponse>(
          f, &Stub::RevokeInvitation, [](W, W b) {
            v1::RevokeInvitationRequest r;
            r.set_school_id(b.school_id);
            r.set_invitation_id(b.open_invitation_id);
            return r;
          });
  attempts["ListParentLinks"] = Rpc<v1::ListParentLinksRequest, v1::ListParentLinksResponse>(
      f, &Stub::ListParentLinks, [](W a, W b) {
        v1::ListParentLinksRequest r;
        r.set_school_id(a.school_id);
        r.set_student_id(b.student);
        return r;
      });
  attempts["ConfirmParentLink"] = Rpc<v1::ConfirmParentLinkRequest, v1::ConfirmParentLinkResponse>(
      f, &Stub::ConfirmParentLink, [](W a, W b) {
        v1::ConfirmParentLinkRequest r;
        r.set_school_id(a.school_id);
        r.set_link_id(b.parent_link_id);
        return r;
      });
  attempts["UpdateStudentSettings"] =
      Rpc<v1::UpdateStudentSettingsRequest, v1::UpdateStudentSettingsResponse>(
          f, &Stub::UpdateStudentSettings, [](W a, W b) {
            v1::UpdateStudentSettingsRequest r;
            r.set_school_id(a.school_id);
            r.set_student_id(b.student);
            r.mutable_settings()->set_safe_mode(false);
            r.mutable_update_mask()->add_paths("safe_mode");
            return r;
          });
  attempts["ListJoinRequests"] = Rpc<v1::ListJoinRequestsRequest, v1::ListJoinRequestsResponse>(
      f, &Stub::ListJoinRequests, [](W, W b) {
        v1::ListJoinRequestsRequest r;
        r.set_school_id(b.school_id);
        return r;
      });
  attempts["ApproveJoinRequest"] =
      Rpc<v1::ApproveJoinRequestRequest, v1::ApproveJoinRequestResponse>(
          f, &Stub::ApproveJoinRequest, [](W a, W b) {
            v1::ApproveJoinRequestRequest r;
            r.set_school_id(a.school_id);
            r.set_request_id(b.pending_request_id);
            return r;
          });
  attempts["ApproveJoinRequest in the foreign school"] =
      Rpc<v1::ApproveJoinRequestRequest, v1::ApproveJoinRequestResponse>(
          f, &Stub::ApproveJoinRequest, [](W, W b) {
            v1::ApproveJoinRequestRequest r;
            r.set_school_id(b.school_id);
            r.set_request_id(b.pending_request_id);
            return r;
          });
  attempts["DeclineJoinRequest"] =
      Rpc<v1::DeclineJoinRequestRequest, v1::DeclineJoinRequestResponse>(
          f, &Stub::DeclineJoinRequest, [](W, W b) {
            v1::DeclineJoinRequestRequest r;
            r.set_school_id(b.school_id);
            r.set_request_id(b.pending_request_id);
            r.set_reason("нет");
            return r;
          });
  attempts["RolloverAcademicYear"] =
      Rpc<v1::RolloverAcademicYearRequest, v1::RolloverAcademicYearResponse>(
          f, &Stub::RolloverAcademicYear, [](W, W b) {
            v1::RolloverAcademicYearRequest r;
            r.set_school_id(b.school_id);
            r.set_from_year(2026);
            return r;
          });
  attempts["CreateLesson"] =
      Rpc<v1::CreateLessonRequest, v1::CreateLessonResponse>(f, &Stub::CreateLesson, [](W, W b) {
        v1::CreateLessonRequest r;
        r.set_school_id(b.school_id);
        r.mutable_lesson()->set_class_id(b.class_id);
        r.mutable_lesson()->set_weekday(3);
        r.mutable_lesson()->set_start_time("10:00");
        r.mutable_lesson()->set_end_time("10:45");
        r.mutable_lesson()->set_subject("Физика");
        r.mutable_lesson()->set_teacher_id(b.teacher);
        return r;
      });
  attempts["CreateLesson for a foreign class with a foreign teacher"] =
      Rpc<v1::CreateLessonRequest, v1::CreateLessonResponse>(f, &Stub::CreateLesson, [](W a, W b) {
        v1::CreateLessonRequest r;
        r.set_school_id(a.school_id);
        r.mutable_lesson()->set_class_id(b.class_id);
        r.mutable_lesson()->set_weekday(3);
        r.mutable_lesson()->set_start_time("11:00");
        r.mutable_lesson()->set_end_time("11:45");
        r.mutable_lesson()->set_subject("Физика");
        r.mutable_lesson()->set_teacher_id(b.teacher);
        return r;
      });
  attempts["DeleteLesson"] =
      Rpc<v1::DeleteLessonRequest, v1::DeleteLessonResponse>(f, &Stub::DeleteLesson, [](W a, W b) {
        v1::DeleteLessonRequest r;
        r.set_school_id(a.school_id);
        r.set_lesson_id(b.lesson_id);
        return r;
      });
  attempts["GetClassTimetable"] = Rpc<v1::GetClassTimetableRequest, v1::GetClassTimetableResponse>(
      f, &Stub::GetClassTimetable, [](W a, W b) {
        v1::GetClassTimetableRequest r;
        r.set_school_id(a.school_id);
        r.set_class_id(b.class_id);
        return r;
      });
  attempts["GetTeacherTimetable"] =
      Rpc<v1::GetTeacherTimetableRequest, v1::GetTeacherTimetableResponse>(
          f, &Stub::GetTeacherTimetable, [](W, W b) {
            v1::GetTeacherTimetableRequest r;
            r.set_school_id(b.school_id);
            r.set_teacher_id(b.teacher);
            return r;
          });
  attempts["ImportRoster"] =
      Rpc<v1::ImportRosterRequest, v1::ImportRosterResponse>(f, &Stub::ImportRoster, [](W, W b) {
        v1::ImportRosterRequest r;
        r.set_school_id(b.school_id);
        r.set_academic_year(2026);
        r.set_csv(
            "class,last_name,first_name,patronymic,birth_date,role\n"
            "5А,Иванов,Пётр,,2015-01-01,student\n");
        return r;
      });
  attempts["IssueClassLoginCodes"] =
      Rpc<v1::IssueClassLoginCodesRequest, v1::IssueClassLoginCodesResponse>(
          f, &Stub::IssueClassLoginCodes, [](W a, W b) {
            v1::IssueClassLoginCodesRequest r;
            r.set_school_id(a.school_id);
            r.set_class_id(b.class_id);
            return r;
          });
  attempts["ConfirmMember"] = Rpc<v1::ConfirmMemberRequest, v1::ConfirmMemberResponse>(
      f, &Stub::ConfirmMember, [](W a, W b) {
        v1::ConfirmMemberRequest r;
        r.set_school_id(a.school_id);
        r.set_user_id(b.teacher);
        return r;
      });
  attempts["FilterVisibleMembers"] =
      Rpc<v1::FilterVisibleMembersRequest, v1::FilterVisibleMembersResponse>(
          f, &Stub::FilterVisibleMembers, [](W, W b) {
            v1::FilterVisibleMembersRequest r;
            r.set_school_id(b.school_id);
            r.set_permission("member.see_presence");
            r.add_user_ids(b.student);
            return r;
          });
  attempts["ConfirmMember in the foreign school"] =
      Rpc<v1::ConfirmMemberRequest, v1::ConfirmMemberResponse>(f, &Stub::ConfirmMember, [](W, W b) {
        v1::ConfirmMemberRequest r;
        r.set_school_id(b.school_id);
        r.set_user_id(b.teacher);
        return r;
      });
  attempts["GiveConsent for a foreign pupil"] =
      Rpc<v1::GiveConsentRequest, v1::GiveConsentResponse>(f, &Stub::GiveConsent, [](W, W b) {
        v1::GiveConsentRequest r;
        r.set_person_id(b.student);
        r.set_purpose(v1::CONSENT_PURPOSE_CHILD_DATA);
        r.set_text_version("2026-1");
        return r;
      });
  attempts["GiveConsent on paper for a foreign pupil in the home school"] =
      Rpc<v1::GiveConsentRequest, v1::GiveConsentResponse>(f, &Stub::GiveConsent, [](W a, W b) {
        v1::GiveConsentRequest r;
        r.set_person_id(b.student);
        r.set_purpose(v1::CONSENT_PURPOSE_SCHOOL_WIDE_VISIBILITY);
        r.set_text_version("2026-1");
        r.set_method(v1::CONSENT_METHOD_PAPER);
        r.set_school_id(a.school_id);
        r.set_parent_name("Иванов Иван Иванович");
        return r;
      });
  attempts["GiveConsent for a foreign adult"] =
      Rpc<v1::GiveConsentRequest, v1::GiveConsentResponse>(f, &Stub::GiveConsent, [](W, W b) {
        v1::GiveConsentRequest r;
        r.set_person_id(b.teacher);
        r.set_purpose(v1::CONSENT_PURPOSE_SERVICE);
        r.set_text_version("2026-1");
        return r;
      });
  attempts["WithdrawConsent of a foreign pupil"] =
      Rpc<v1::WithdrawConsentRequest, v1::WithdrawConsentResponse>(
          f, &Stub::WithdrawConsent, [](W, W b) {
            v1::WithdrawConsentRequest r;
            r.set_person_id(b.student);
            r.set_purpose(v1::CONSENT_PURPOSE_SCHOOL_WIDE_VISIBILITY);
            return r;
          });
  attempts["ListConsents of a foreign pupil"] =
      Rpc<v1::ListConsentsRequest, v1::ListConsentsResponse>(f, &Stub::ListConsents, [](W, W b) {
        v1::ListConsentsRequest r;
        r.set_person_id(b.student);
        return r;
      });
  attempts["ListMissingConsents"] = Rpc<v1::ListMissingConsentsRequest,
                                        v1::ListMissingConsentsResponse>(
      f, &Stub::ListMissingConsents, [](W, W b) {
        v1::ListMissingConsentsRequest r;
        r.set_school_id(b.school_id);
        return r;
      });
  return attempts;
}

TEST_CASE("Every RPC refuses every person of one school the other school's ids",
          "[directory][api][cross-school]") {
  PARTA_DIRECTORY_FIXTURE(f);
  SchoolWorld a = f->BuildSchool("Школа № 1");
  SchoolWorld b = f->BuildSchool("Школа № 2");
  v1::ListEventsRequest events_request;
  events_request.set_school_id(b.school_id);
  v1::ListEventsResponse before;
  REQUIRE_RPC_OK(f->CallWithToken(&Stub::ListEvents, f->ServiceToken(), events_request, &before));

  std::map<std::string, Attempt> attempts = Attempts(*f);
  for (const auto& [home, foreign] : {std::pair{&a, &b}, std::pair{&b, &a}}) {
    for (const std::string& person :
         {home->admin, home->teacher, home->employee, home->student, home->parent}) {
      for (const auto& [name, attempt] : attempts) {
        ::grpc::Status status = attempt(person, *home, *foreign);
        INFO(name << " by a person of " << home->school_id << ": " << status.error_message());
        CHECK(!status.ok());
        CHECK((status.error_code() == ::grpc::StatusCode::NOT_FOUND ||
               status.error_code() == ::grpc::StatusCode::PERMISSION_DENIED ||
               status.error_code() == ::grpc::StatusCode::INVALID_ARGUMENT));
      }
      // No permission of the other school's objects.
      for (const PermissionInfo& info : PermissionTable()) {
        std::string resource = "schools/" + foreign->school_id;
        if (info.resource == ResourceKind::kClass) resource += "/classes/" + foreign->class_id;
        if (info.resource == ResourceKind::kMember) resource += "/members/" + foreign->student;
        INFO(info.name);
        CHECK_FALSE(f->Allowed(person, std::string(info.name), resource));
      }
      v1::ListSchoolsResponse schools;
      REQUIRE_RPC_OK(f->Call(&Stub::ListSchools, person, v1::ListSchoolsRequest(), &schools));
      REQUIRE(schools.schools_size() == 1);
      CHECK(schools.schools(0).id() == home->school_id);
    }
  }
  // Nothing changed in school b: its event stream is as it was (a's changes are a's).
  v1::ListEventsResponse after;
  REQUIRE_RPC_OK(f->CallWithToken(&Stub::ListEvents, f->ServiceToken(), events_request, &after));
  CHECK(after.events_size() == before.events_size());
}

}  // namespace
}  // namespace parta::directory
