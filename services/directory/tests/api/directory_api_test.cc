#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "services/directory/tests/directory_fixture.h"

namespace parta::directory {
namespace {

using testing::DirectoryFixture;
using testing::SchoolWorld;
using Stub = v1::DirectoryService::Stub;

std::string SchoolResource(const std::string& school) { return "schools/" + school; }
std::string ClassResource(const SchoolWorld& w, const std::string& class_id) {
  return absl::StrCat("schools/", w.school_id, "/classes/", class_id);
}
std::string MemberResource(const SchoolWorld& w, const std::string& user) {
  return absl::StrCat("schools/", w.school_id, "/members/", user);
}

// The parent's consent to the pupil's school-wide visibility, which turning safe mode off needs.
void GiveVisibilityConsent(DirectoryFixture& f, const SchoolWorld& w) {
  v1::GiveConsentRequest give;
  give.set_person_id(w.student);
  give.set_purpose(v1::CONSENT_PURPOSE_SCHOOL_WIDE_VISIBILITY);
  give.set_text_version("2026-1");
  v1::GiveConsentResponse given;
  REQUIRE_RPC_OK(f.Call(&Stub::GiveConsent, w.parent, give, &given));
}

v1::CreateSchoolRequest SchoolRequest(int n) {
  v1::CreateSchoolRequest request;
  v1::School& school = *request.mutable_school();
  school.set_name("  МБОУ «Гимназия № 1»  ");
  school.set_short_name("Гимназия № 1");
  school.set_region_code("50");
  school.set_address("Подольск, ул. Ленина, 3");
  school.set_time_zone("Europe/Moscow");
  school.set_inn(testing::TestInn(900 + n));
  school.set_ogrn(testing::TestOgrn(900 + n));
  return request;
}

int SchoolCount(DirectoryFixture& f) {
  v1::ListSchoolsRequest request;
  request.set_page_size(200);
  v1::ListSchoolsResponse response;
  REQUIRE(f.CallWithToken(&Stub::ListSchools, f.OperatorToken(), request, &response).ok());
  return response.schools_size();
}

std::string InviteCode(DirectoryFixture& f, const std::string& token, const std::string& school_id,
                       v1::Role role, const std::string& class_id = "", int max_uses = 1) {
  v1::CreateInvitationRequest request;
  request.set_school_id(school_id);
  request.set_role(role);
  request.set_class_id(class_id);
  request.set_max_uses(max_uses);
  v1::CreateInvitationResponse response;
  ::grpc::Status status = f.CallWithToken(&Stub::CreateInvitation, token, request, &response);
  INFO(status.error_message());
  REQUIRE(status.ok());
  return response.code();
}

::grpc::Status Redeem(DirectoryFixture& f, const std::string& user, const std::string& code,
                      v1::RedeemInvitationResponse* response = nullptr) {
  v1::RedeemInvitationRequest request;
  request.set_code(code);
  v1::RedeemInvitationResponse ignored;
  return f.Call(&Stub::RedeemInvitation, user, request, response ? response : &ignored);
}

TEST_CASE("A whole school joins through invitations and sees itself", "[directory][api]") {
  PARTA_DIRECTORY_FIXTURE(f);
  SchoolWorld w = f->BuildSchool();

  v1::GetClassRosterRequest roster_request;
  roster_request.set_school_id(w.school_id);
  roster_request.set_class_id(w.class_id);
  v1::GetClassRosterResponse got;
  REQUIRE_RPC_OK(f->Call(&Stub::GetClassRoster, w.parent, roster_request, &got));
  const v1::ClassRoster& roster = got.roster();
  CHECK(roster.class_().display_name() == "5А");
  CHECK(roster.class_().class_teacher_id() == w.teacher);
  REQUIRE(roster.student_ids_size() == 1);
  CHECK(roster.student_ids(0) == w.student);
  REQUIRE(roster.teachers_size() == 1);
  CHECK(roster.teachers(0).user_id() == w.teacher);
  REQUIRE(roster.parents_size() == 1);
  CHECK(roster.parents(0).parent_id() == w.parent);

  v1::ListMembershipsResponse memberships;
  REQUIRE_RPC_OK(
      f->Call(&Stub::ListMemberships, w.parent, v1::ListMembershipsRequest(), &memberships));
  REQUIRE(memberships.memberships_size() == 1);
  CHECK(memberships.memberships(0).roles(0) == v1::ROLE_PARENT);
  CHECK(memberships.memberships(0).child_ids(0) == w.student);

  v1::ListSchoolsResponse mine;
  REQUIRE_RPC_OK(f->Call(&Stub::ListSchools, w.student, v1::ListSchoolsRequest(), &mine));
  REQUIRE(mine.schools_size() == 1);
  CHECK(mine.schools(0).id() == w.school_id);

  v1::ListMembersRequest members_request;
  members_request.set_school_id(w.school_id);
  v1::ListMembersResponse members;
  REQUIRE_RPC_OK(f->Call(&Stub::ListMembers, w.employee, members_request, &members));
  CHECK(members.members_size() == 5);
  CHECK_RPC_ERROR(f->Call(&Stub::ListMembers, w.student, members_request, &members),
                  PERMISSION_DENIED, "NOT_SCHOOL_STAFF");
}

TEST_CASE("CreateSchool is for operators and refuses bad registration data", "[directory][api]") {
  PARTA_DIRECTORY_FIXTURE(f);
  v1::CreateSchoolResponse created;
  CHECK_RPC_ERROR(
      f->Call(&Stub::CreateSchool, DirectoryFixture::NewUser(), SchoolRequest(1), &created),
      PERMISSION_DENIED, "OPERATOR_ONLY");

  auto expect = [&](auto change, const char* reason) {
    v1::CreateSchoolRequest request = SchoolRequest(2);
    change(*request.mutable_school());
    CHECK_RPC_ERROR(f->CallWithToken(&Stub::CreateSchool, f->OperatorToken(), request, &created),
                    INVALID_ARGUMENT, reason);
  };
  expect([](v1::School& s) { s.set_inn("7707083894"); }, "INVALID_INN");  // last digit off
  expect([](v1::School& s) { s.set_inn("77070838"); }, "INVALID_INN");
  expect([](v1::School& s) { s.set_ogrn("1027700132196"); }, "INVALID_OGRN");
  expect([](v1::School& s) { s.set_time_zone("Europe/Atlantis"); }, "INVALID_TIME_ZONE");
  expect([](v1::School& s) { s.set_region_code("7"); }, "INVALID_REGION_CODE");
  expect([](v1::School& s) { s.set_name(""); }, "INVALID_NAME");
  expect([](v1::School& s) { s.set_name("Школа\x01"); }, "INVALID_NAME");
  CHECK(SchoolCount(*f) == 0);

  REQUIRE_RPC_OK(
      f->CallWithToken(&Stub::CreateSchool, f->OperatorToken(), SchoolRequest(3), &created));
  CHECK(created.school().name() == "МБОУ «Гимназия № 1»");
  CHECK_RPC_ERROR(
      f->CallWithToken(&Stub::CreateSchool, f->OperatorToken(), SchoolRequest(3), &created),
      ALREADY_EXISTS, "SCHOOL_EXISTS");
  CHECK(SchoolCount(*f) == 1);

  v1::ListSchoolsRequest search;
  search.set_query("гимназия");
  v1::ListSchoolsResponse found;
  REQUIRE_RPC_OK(f->CallWithToken(&Stub::ListSchools, f->OperatorToken(), search, &found));
  CHECK(found.schools_size() == 1);
}

TEST_CASE("Only the school's admins edit it, field by field", "[directory][api]") {
  PARTA_DIRECTORY_FIXTURE(f);
  SchoolWorld w = f->BuildSchool();
  v1::UpdateSchoolRequest request;
  request.mutable_school()->set_id(w.school_id);
  request.mutable_school()->set_description("Лучшая школа района");
  request.mutable_update_mask()->add_paths("description");
  v1::UpdateSchoolResponse updated;
  CHECK_RPC_ERROR(f->Call(&Stub::UpdateSchool, w.teacher, request, &updated), PERMISSION_DENIED,
                  "NOT_SCHOOL_ADMIN");
  REQUIRE_RPC_OK(f->Call(&Stub::UpdateSchool, w.admin, request, &updated));
  CHECK(updated.school().description() == "Лучшая школа района");
  CHECK(updated.school().name() == "Школа № 5");

  request.mutable_update_mask()->set_paths(0, "id");
  CHECK_RPC_ERROR(f->Call(&Stub::UpdateSchool, w.admin, request, &updated), INVALID_ARGUMENT,
                  "INVALID_UPDATE_MASK");
  request.mutable_update_mask()->set_paths(0, "inn");
  request.mutable_school()->set_inn("1234567890");
  CHECK_RPC_ERROR(f->Call(&Stub::UpdateSchool, w.admin, request, &updated), INVALID_ARGUMENT,
                  "INVALID_INN");
}

TEST_CASE("Guest links in calls are off until the school's admins or an operator turn them on",
          "[directory][api]") {
  PARTA_DIRECTORY_FIXTURE(f);
  SchoolWorld w = f->BuildSchool();
  v1::GetSchoolRequest get;
  get.set_school_id(w.school_id);
  v1::GetSchoolResponse got;
  REQUIRE_RPC_OK(f->Call(&Stub::GetSchool, w.student, get, &got));
  CHECK_FALSE(got.school().call_guests_allowed());

  // As a client sends it over HTTP: PATCH /v1/schools/{id}?updateMask=callGuestsAllowed.
  v1::UpdateSchoolRequest request;
  std::string json =
      absl::StrCat(R"({"school":{"id":")", w.school_id,
                   R"(","callGuestsAllowed":true},"updateMask":"callGuestsAllowed"})");
  REQUIRE(google::protobuf::util::JsonStringToMessage(json, &request).ok());
  REQUIRE(request.update_mask().paths_size() == 1);
  CHECK(request.update_mask().paths(0) == "call_guests_allowed");

  v1::UpdateSchoolResponse updated;
  CHECK_RPC_ERROR(f->Call(&Stub::UpdateSchool, w.teacher, request, &updated), PERMISSION_DENIED,
                  "NOT_SCHOOL_ADMIN");
  REQUIRE_RPC_OK(f->Call(&Stub::GetSchool, w.teacher, get, &got));
  CHECK_FALSE(got.school().call_guests_allowed());

  REQUIRE_RPC_OK(f->Call(&Stub::UpdateSchool, w.admin, request, &updated));
  CHECK(updated.school().call_guests_allowed());
  CHECK(updated.school().name() == "Школа № 5");
  REQUIRE_RPC_OK(f->Call(&Stub::GetSchool, w.teacher, get, &got));
  CHECK(got.school().call_guests_allowed());

  // Another field's change leaves it as it is; the event carries the school with it.
  v1::UpdateSchoolRequest describe;
  describe.mutable_school()->set_id(w.school_id);
  describe.mutable_school()->set_description("Открытые уроки с гостями");
  describe.mutable_update_mask()->add_paths("description");
  REQUIRE_RPC_OK(f->Call(&Stub::UpdateSchool, w.admin, describe, &updated));
  CHECK(updated.school().call_guests_allowed());
  v1::ListEventsRequest events_request;
  events_request.set_school_id(w.school_id);
  v1::ListEventsResponse events;
  REQUIRE_RPC_OK(f->CallWithToken(&Stub::ListEvents, f->ServiceToken(), events_request, &events));
  REQUIRE(events.events_size() > 0);
  const v1::DirectoryEvent& last = events.events(events.events_size() - 1).event();
  REQUIRE(last.has_school_updated());
  CHECK(last.school_updated().school().call_guests_allowed());

  // An operator may turn it off again.
  request.mutable_school()->set_call_guests_allowed(false);
  REQUIRE_RPC_OK(f->CallWithToken(&Stub::UpdateSchool, f->OperatorToken(), request, &updated));
  CHECK_FALSE(updated.school().call_guests_allowed());
  REQUIRE_RPC_OK(f->Call(&Stub::GetSchool, w.admin, get, &got));
  CHECK_FALSE(got.school().call_guests_allowed());
}

TEST_CASE("Classes: Latin look-alikes are one class, grades and letters are checked",
          "[directory][api]") {
  PARTA_DIRECTORY_FIXTURE(f);
  SchoolWorld w = f->BuildSchool();
  v1::CreateClassRequest request;
  request.set_school_id(w.school_id);
  request.mutable_class_()->set_grade(5);
  request.mutable_class_()->set_letter("a");  // Latin, lower case: the existing "5А"
  request.mutable_class_()->set_academic_year(2026);
  v1::CreateClassResponse created;
  CHECK_RPC_ERROR(f->Call(&Stub::CreateClass, w.admin, request, &created), ALREADY_EXISTS,
                  "CLASS_EXISTS");
  request.mutable_class_()->set_letter("б");
  REQUIRE_RPC_OK(f->Call(&Stub::CreateClass, w.admin, request, &created));
  CHECK(created.class_().display_name() == "5Б");

  request.mutable_class_()->set_grade(12);
  CHECK_RPC_ERROR(f->Call(&Stub::CreateClass, w.admin, request, &created), INVALID_ARGUMENT,
                  "INVALID_GRADE");
  request.mutable_class_()->set_grade(6);
  request.mutable_class_()->set_letter("АБ");
  CHECK_RPC_ERROR(f->Call(&Stub::CreateClass, w.admin, request, &created), INVALID_ARGUMENT,
                  "INVALID_CLASS_LETTER");
  request.mutable_class_()->set_letter("Q");
  CHECK_RPC_ERROR(f->Call(&Stub::CreateClass, w.admin, request, &created), INVALID_ARGUMENT,
                  "INVALID_CLASS_LETTER");
  request.mutable_class_()->set_letter("В");
  request.mutable_class_()->set_class_teacher_id(w.student);
  CHECK_RPC_ERROR(f->Call(&Stub::CreateClass, w.admin, request, &created), INVALID_ARGUMENT,
                  "NOT_A_TEACHER");
  request.mutable_class_()->clear_class_teacher_id();
  CHECK_RPC_ERROR(f->Call(&Stub::CreateClass, w.teacher, request, &created), PERMISSION_DENIED,
                  "NOT_SCHOOL_ADMIN");
}

TEST_CASE("Creates retried with their request id answer the first result and make nothing twice",
          "[directory][api]") {
  PARTA_DIRECTORY_FIXTURE(f);
  // A school, asked twice by the operator after a lost answer.
  v1::CreateSchoolRequest school_request = SchoolRequest(61);
  school_request.set_request_id("школа-1");
  v1::CreateSchoolResponse school, again;
  REQUIRE_RPC_OK(f->CallWithToken(&Stub::CreateSchool, f->OperatorToken(), school_request, &school));
  const int schools = SchoolCount(*f);
  REQUIRE_RPC_OK(f->CallWithToken(&Stub::CreateSchool, f->OperatorToken(), school_request, &again));
  CHECK(again.school().id() == school.school().id());
  CHECK(SchoolCount(*f) == schools);
  // The same id for something else is refused, and nothing is made.
  school_request.mutable_school()->set_name("Другая школа");
  CHECK_RPC_ERROR(
      f->CallWithToken(&Stub::CreateSchool, f->OperatorToken(), school_request, &again),
      ALREADY_EXISTS, "REQUEST_ID_REUSED");
  CHECK(SchoolCount(*f) == schools);

  SchoolWorld w = f->BuildSchool();
  v1::CreateClassRequest class_request;
  class_request.set_school_id(w.school_id);
  class_request.set_request_id("5Г");
  class_request.mutable_class_()->set_grade(5);
  class_request.mutable_class_()->set_letter("Г");
  class_request.mutable_class_()->set_academic_year(2026);
  v1::CreateClassResponse made, retried;
  REQUIRE_RPC_OK(f->Call(&Stub::CreateClass, w.admin, class_request, &made));
  // Without the id the same class would be CLASS_EXISTS; with it, the first answer.
  REQUIRE_RPC_OK(f->Call(&Stub::CreateClass, w.admin, class_request, &retried));
  CHECK(retried.class_().id() == made.class_().id());
  CHECK(retried.class_().display_name() == "5Г");
  // Request ids are the caller's own: another admin's same id is his own create (refused here
  // for what it asks, not answered with the first admin's class), and the permission is checked
  // again on a retry.
  CHECK_RPC_ERROR(f->Call(&Stub::CreateClass, w.teacher, class_request, &retried),
                  PERMISSION_DENIED, "NOT_SCHOOL_ADMIN");
  class_request.set_request_id(std::string(101, 'x'));
  CHECK_RPC_ERROR(f->Call(&Stub::CreateClass, w.admin, class_request, &retried),
                  INVALID_ARGUMENT, "INVALID_REQUEST_ID");

  // An invitation's retry shows the same code, which still redeems once.
  v1::CreateInvitationRequest invite;
  invite.set_school_id(w.school_id);
  invite.set_role(v1::ROLE_TEACHER);
  invite.set_request_id("приглашение");
  v1::CreateInvitationResponse first, second;
  REQUIRE_RPC_OK(f->Call(&Stub::CreateInvitation, w.admin, invite, &first));
  REQUIRE_RPC_OK(f->Call(&Stub::CreateInvitation, w.admin, invite, &second));
  CHECK(second.invitation().id() == first.invitation().id());
  CHECK(second.code() == first.code());
  v1::ListInvitationsRequest list;
  list.set_school_id(w.school_id);
  v1::ListInvitationsResponse invitations;
  REQUIRE_RPC_OK(f->Call(&Stub::ListInvitations, w.admin, list, &invitations));
  int with_id = 0;
  for (const v1::Invitation& invitation : invitations.invitations()) {
    with_id += invitation.id() == first.invitation().id();
  }
  CHECK(with_id == 1);
  const std::string newcomer = f->NewUser();
  REQUIRE_RPC_OK(Redeem(*f, newcomer, second.code()));

  // A parent invitation asked twice by the pupil is one invitation with one code.
  v1::CreateParentInvitationRequest parent_invite;
  parent_invite.set_school_id(w.school_id);
  parent_invite.set_student_id(w.student);
  parent_invite.set_request_id("папа");
  v1::CreateParentInvitationResponse parent_first, parent_second;
  REQUIRE_RPC_OK(f->Call(&Stub::CreateParentInvitation, w.student, parent_invite, &parent_first));
  REQUIRE_RPC_OK(f->Call(&Stub::CreateParentInvitation, w.student, parent_invite, &parent_second));
  CHECK(parent_second.code() == parent_first.code());
}

TEST_CASE("A class is renamed, archived, and its students move within the school",
          "[directory][api]") {
  PARTA_DIRECTORY_FIXTURE(f);
  SchoolWorld w = f->BuildSchool();
  std::string other = f->CreateClass(w.school_id, w.admin, 5, "Б");

  v1::UpdateClassRequest rename;
  rename.set_school_id(w.school_id);
  rename.mutable_class_()->set_id(other);
  rename.mutable_class_()->set_letter("в");
  rename.mutable_update_mask()->add_paths("letter");
  v1::UpdateClassResponse renamed;
  REQUIRE_RPC_OK(f->Call(&Stub::UpdateClass, w.admin, rename, &renamed));
  CHECK(renamed.class_().display_name() == "5В");
  rename.mutable_class_()->set_letter("A");  // clashes with 5А
  CHECK_RPC_ERROR(f->Call(&Stub::UpdateClass, w.admin, rename, &renamed), ALREADY_EXISTS,
                  "CLASS_EXISTS");

  v1::MoveStudentRequest move;
  move.set_school_id(w.school_id);
  move.set_student_id(w.student);
  move.set_to_class_id(other);
  v1::MoveStudentResponse roster;
  REQUIRE_RPC_OK(f->Call(&Stub::MoveStudent, w.admin, move, &roster));
  REQUIRE(roster.roster().student_ids_size() == 1);
  CHECK(roster.roster().student_ids(0) == w.student);
  CHECK(f->Allowed(w.student, "class.students_chat", ClassResource(w, other)));
  CHECK_FALSE(f->Allowed(w.student, "class.students_chat", ClassResource(w, w.class_id)));

  move.set_student_id(w.teacher);
  CHECK_RPC_ERROR(f->Call(&Stub::MoveStudent, w.admin, move, &roster), NOT_FOUND,
                  "MEMBER_NOT_FOUND");

  v1::ArchiveClassRequest archive;
  archive.set_school_id(w.school_id);
  archive.set_class_id(other);
  v1::ArchiveClassResponse archived;
  REQUIRE_RPC_OK(f->Call(&Stub::ArchiveClass, w.admin, archive, &archived));
  CHECK(archived.class_().archived());
  REQUIRE_RPC_OK(f->Call(&Stub::ArchiveClass, w.admin, archive, &archived));  // no change
  CHECK_FALSE(f->Allowed(w.student, "class.students_chat", ClassResource(w, other)));
  move.set_student_id(w.student);
  CHECK_RPC_ERROR(f->Call(&Stub::MoveStudent, w.admin, move, &roster), FAILED_PRECONDITION,
                  "CLASS_ARCHIVED");
  rename.mutable_class_()->set_letter("Г");
  CHECK_RPC_ERROR(f->Call(&Stub::UpdateClass, w.admin, rename, &renamed), FAILED_PRECONDITION,
                  "CLASS_ARCHIVED");
}

TEST_CASE("Invitations expire, are revoked, are used up, and redeem idempotently",
          "[directory][api]") {
  PARTA_DIRECTORY_FIXTURE(f);
  SchoolWorld w = f->BuildSchool();
  std::string admin = f->Token(w.admin);

  std::string code = InviteCode(*f, admin, w.school_id, v1::ROLE_TEACHER);
  std::string first = DirectoryFixture::NewUser();
  v1::RedeemInvitationResponse redeemed;
  REQUIRE_RPC_OK(Redeem(*f, first, code, &redeemed));
  CHECK(redeemed.role() == v1::ROLE_TEACHER);
  // The same person again: the same answer, nothing spent.
  std::string spaced = code.substr(0, 5) + "-" + code.substr(5, 8) + " " + code.substr(13);
  std::transform(spaced.begin(), spaced.end(), spaced.begin(), ::tolower);
  REQUIRE_RPC_OK(Redeem(*f, first, spaced, &redeemed));
  CHECK(redeemed.school_id() == w.school_id);
  CHECK_RPC_ERROR(Redeem(*f, DirectoryFixture::NewUser(), code), FAILED_PRECONDITION,
                  "INVITATION_USED_UP");

  std::string expiring = InviteCode(*f, admin, w.school_id, v1::ROLE_EMPLOYEE);
  f->clock().Advance(absl::Hours(24 * 7 + 1));
  CHECK_RPC_ERROR(Redeem(*f, DirectoryFixture::NewUser(), expiring), FAILED_PRECONDITION,
                  "INVITATION_EXPIRED");

  v1::CreateInvitationRequest invite;
  invite.set_school_id(w.school_id);
  invite.set_role(v1::ROLE_EMPLOYEE);
  invite.set_max_uses(5);
  v1::CreateInvitationResponse created;
  REQUIRE_RPC_OK(f->Call(&Stub::CreateInvitation, w.admin, invite, &created));
  v1::RevokeInvitationRequest revoke;
  revoke.set_school_id(w.school_id);
  revoke.set_invitation_id(created.invitation().id());
  v1::RevokeInvitationResponse revoked;
  CHECK_RPC_ERROR(f->Call(&Stub::RevokeInvitation, w.teacher, revoke, &revoked), PERMISSION_DENIED,
                  "NOT_SCHOOL_ADMIN");
  REQUIRE_RPC_OK(f->Call(&Stub::RevokeInvitation, w.admin, revoke, &revoked));
  CHECK(revoked.invitation().revoked());
  CHECK_RPC_ERROR(Redeem(*f, DirectoryFixture::NewUser(), created.code()), FAILED_PRECONDITION,
                  "INVITATION_REVOKED");

  v1::ListInvitationsRequest list;
  list.set_school_id(w.school_id);
  v1::ListInvitationsResponse active;
  REQUIRE_RPC_OK(f->Call(&Stub::ListInvitations, w.admin, list, &active));
  CHECK(active.invitations_size() == 0);
  list.set_include_inactive(true);
  REQUIRE_RPC_OK(f->Call(&Stub::ListInvitations, w.admin, list, &active));
  CHECK(active.invitations_size() >= 7);

  CHECK_RPC_ERROR(Redeem(*f, first, "not a code"), INVALID_ARGUMENT, "INVALID_CODE");
  CHECK_RPC_ERROR(Redeem(*f, first, std::string(26, '7')), NOT_FOUND, "INVITATION_NOT_FOUND");

  invite.set_role(v1::ROLE_STUDENT);
  CHECK_RPC_ERROR(f->Call(&Stub::CreateInvitation, w.admin, invite, &created), INVALID_ARGUMENT,
                  "CLASS_REQUIRED");
  invite.set_role(v1::ROLE_PARENT);
  CHECK_RPC_ERROR(f->Call(&Stub::CreateInvitation, w.admin, invite, &created), INVALID_ARGUMENT,
                  "INVALID_ROLE");
  invite.set_role(v1::ROLE_TEACHER);
  invite.set_class_id(w.class_id);
  CHECK_RPC_ERROR(f->Call(&Stub::CreateInvitation, w.admin, invite, &created), INVALID_ARGUMENT,
                  "CLASS_NOT_ALLOWED");
  invite.clear_class_id();
  invite.set_max_uses(1001);
  CHECK_RPC_ERROR(f->Call(&Stub::CreateInvitation, w.admin, invite, &created), INVALID_ARGUMENT,
                  "INVALID_MAX_USES");
  invite.set_max_uses(1);
  invite.mutable_ttl()->set_seconds(10);
  CHECK_RPC_ERROR(f->Call(&Stub::CreateInvitation, w.admin, invite, &created), INVALID_ARGUMENT,
                  "INVALID_TTL");
  invite.mutable_ttl()->set_seconds(31 * 24 * 3600);
  CHECK_RPC_ERROR(f->Call(&Stub::CreateInvitation, w.admin, invite, &created), INVALID_ARGUMENT,
                  "INVALID_TTL");
  invite.mutable_ttl()->set_seconds(-3600);
  CHECK_RPC_ERROR(f->Call(&Stub::CreateInvitation, w.admin, invite, &created), INVALID_ARGUMENT,
                  "INVALID_TTL");
  invite.mutable_ttl()->set_seconds(3600);
  invite.mutable_ttl()->set_nanos(-1);  // not a valid Duration: signs differ
  CHECK_RPC_ERROR(f->Call(&Stub::CreateInvitation, w.admin, invite, &created), INVALID_ARGUMENT,
                  "INVALID_TTL");
  // An hour and a half second: fractions are accepted, and the invitation expires after it.
  invite.mutable_ttl()->set_nanos(500'000'000);
  const absl::Time asked = f->clock().Now();
  REQUIRE_RPC_OK(f->Call(&Stub::CreateInvitation, w.admin, invite, &created));
  const absl::Duration lifetime =
      absl::FromUnixSeconds(created.invitation().expire_time().seconds()) +
      absl::Nanoseconds(created.invitation().expire_time().nanos()) - asked;
  CHECK(lifetime > absl::Seconds(3600) + absl::Milliseconds(500) - absl::Microseconds(1));
  CHECK(lifetime <= absl::Seconds(3600) + absl::Milliseconds(500));
  f->clock().Advance(absl::Seconds(3601));
  CHECK_RPC_ERROR(Redeem(*f, DirectoryFixture::NewUser(), created.code()), FAILED_PRECONDITION,
                  "INVITATION_EXPIRED");
  invite.clear_ttl();
  CHECK_RPC_ERROR(f->Call(&Stub::CreateInvitation, w.teacher, invite, &created), PERMISSION_DENIED,
                  "NOT_SCHOOL_ADMIN");
}

TEST_CASE("Only a teacher of the class invites students to it", "[directory][api]") {
  PARTA_DIRECTORY_FIXTURE(f);
  SchoolWorld w = f->BuildSchool();
  std::string other_teacher = f->Join(w.school_id, f->Token(w.admin), v1::ROLE_TEACHER);
  v1::CreateInvitationRequest invite;
  invite.set_school_id(w.school_id);
  invite.set_role(v1::ROLE_STUDENT);
  invite.set_class_id(w.class_id);
  v1::CreateInvitationResponse created;
  CHECK_RPC_ERROR(f->Call(&Stub::CreateInvitation, other_teacher, invite, &created),
                  PERMISSION_DENIED, "NOT_CLASS_TEACHER");
  CHECK_RPC_ERROR(f->Call(&Stub::CreateInvitation, w.student, invite, &created), PERMISSION_DENIED,
                  "NOT_CLASS_TEACHER");

  // A subject teacher of the class may.
  v1::AddClassTeacherRequest add;
  add.set_school_id(w.school_id);
  add.set_class_id(w.class_id);
  add.set_user_id(other_teacher);
  add.set_subject("Математика");
  v1::AddClassTeacherResponse roster;
  REQUIRE_RPC_OK(f->Call(&Stub::AddClassTeacher, w.admin, add, &roster));
  CHECK(roster.roster().teachers_size() == 2);
  REQUIRE_RPC_OK(f->Call(&Stub::CreateInvitation, other_teacher, invite, &created));

  // A student already in a class of this year cannot join another one by invitation.
  std::string other_class = f->CreateClass(w.school_id, w.admin, 6, "А");
  std::string code = InviteCode(*f, f->Token(w.admin), w.school_id, v1::ROLE_STUDENT, other_class);
  CHECK_RPC_ERROR(Redeem(*f, w.student, code), FAILED_PRECONDITION, "ALREADY_IN_ANOTHER_CLASS");
}

TEST_CASE("A parent stays pending until confirmed, and a parent invitation is for one adult",
          "[directory][api]") {
  PARTA_DIRECTORY_FIXTURE(f);
  SchoolWorld w = f->BuildSchool();
  v1::CreateParentInvitationRequest invite;
  invite.set_school_id(w.school_id);
  invite.set_student_id(w.student);
  v1::CreateParentInvitationResponse invitation;
  CHECK_RPC_ERROR(f->Call(&Stub::CreateParentInvitation, w.employee, invite, &invitation),
                  PERMISSION_DENIED, "NOT_ALLOWED_FOR_STUDENT");
  REQUIRE_RPC_OK(f->Call(&Stub::CreateParentInvitation, w.parent, invite, &invitation));
  CHECK(invitation.invitation().max_uses() == 1);
  CHECK_RPC_ERROR(Redeem(*f, w.student, invitation.code()), FAILED_PRECONDITION, "PARENT_IS_CHILD");

  std::string mother = DirectoryFixture::NewUser();
  v1::RedeemInvitationResponse redeemed;
  REQUIRE_RPC_OK(Redeem(*f, mother, invitation.code(), &redeemed));
  CHECK(redeemed.parent_link().state() == v1::PARENT_LINK_STATE_PENDING);
  CHECK_RPC_ERROR(Redeem(*f, DirectoryFixture::NewUser(), invitation.code()), FAILED_PRECONDITION,
                  "INVITATION_USED_UP");

  // Pending: nothing of the school is open to her.
  CHECK_FALSE(f->Allowed(mother, "member.contact", MemberResource(w, w.student)));
  CHECK_FALSE(f->Allowed(mother, "class.parents_chat", ClassResource(w, w.class_id)));
  v1::GetSchoolRequest get;
  get.set_school_id(w.school_id);
  v1::GetSchoolResponse school;
  CHECK_RPC_ERROR(f->Call(&Stub::GetSchool, mother, get, &school), NOT_FOUND, "SCHOOL_NOT_FOUND");

  v1::ConfirmParentLinkRequest confirm;
  confirm.set_school_id(w.school_id);
  confirm.set_link_id(redeemed.parent_link().id());
  v1::ConfirmParentLinkResponse link;
  CHECK_RPC_ERROR(f->Call(&Stub::ConfirmParentLink, mother, confirm, &link), NOT_FOUND,
                  "SCHOOL_NOT_FOUND");
  CHECK_RPC_ERROR(f->Call(&Stub::ConfirmParentLink, w.student, confirm, &link), PERMISSION_DENIED,
                  "NOT_ALLOWED_FOR_STUDENT");
  REQUIRE_RPC_OK(f->Call(&Stub::ConfirmParentLink, w.parent, confirm, &link));  // the father
  CHECK(link.parent_link().state() == v1::PARENT_LINK_STATE_CONFIRMED);
  CHECK(link.parent_link().confirmed_by() == w.parent);
  CHECK_RPC_ERROR(f->Call(&Stub::ConfirmParentLink, w.admin, confirm, &link), FAILED_PRECONDITION,
                  "PARENT_LINK_NOT_PENDING");
  CHECK(f->Allowed(mother, "class.parents_chat", ClassResource(w, w.class_id)));
  CHECK(f->Allowed(mother, "member.contact", MemberResource(w, w.student)));

  // Every step of the parent's way in is in the audit log, with who took it.
  std::vector<std::pair<std::string, std::string>> audit;
  REQUIRE(f->pool()
              .Read([&](pqxx::nontransaction& tx) {
                for (const pqxx::row& row : tx.exec_params(
                         "SELECT action, coalesce(actor_id::text, '') FROM audit_log WHERE "
                         "school_id = $1 AND id >= (SELECT max(id) FROM audit_log WHERE "
                         "school_id = $1 AND action = 'parent_invitation_created') ORDER BY id",
                         w.school_id)) {
                  audit.emplace_back(row[0].as<std::string>(), row[1].as<std::string>());
                }
                return absl::OkStatus();
              })
              .ok());
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"parent_invitation_created", w.parent},
      {"parent_link_requested", mother},
      {"invitation_redeemed", mother},
      {"role_granted", w.parent},
      {"parent_link_confirmed", w.parent}};
  CHECK(audit == expected);

  v1::ListParentLinksRequest list;
  list.set_school_id(w.school_id);
  list.set_student_id(w.student);
  v1::ListParentLinksResponse links;
  REQUIRE_RPC_OK(f->Call(&Stub::ListParentLinks, w.student, list, &links));
  CHECK(links.links_size() == 2);

  // Existing parents learn of the new one: the event names them.
  v1::ListEventsRequest events_request;
  events_request.set_school_id(w.school_id);
  v1::ListEventsResponse events;
  REQUIRE_RPC_OK(f->CallWithToken(&Stub::ListEvents, f->ServiceToken(), events_request, &events));
  bool notified = false;
  for (const v1::StreamedEvent& e : events.events()) {
    if (e.event().has_parent_link_requested() &&
        e.event().parent_link_requested().link().parent_id() == mother) {
      notified = e.event().parent_link_requested().existing_parent_ids_size() == 1 &&
                 e.event().parent_link_requested().existing_parent_ids(0) == w.parent;
    }
  }
  CHECK(notified);
}

TEST_CASE("The number of parents per child is capped", "[directory][api]") {
  PARTA_DIRECTORY_FIXTURE(f, [](DirectoryConfig& c) { c.directory.max_parents_per_student = 2; });
  SchoolWorld w = f->BuildSchool();
  v1::CreateParentInvitationRequest invite;
  invite.set_school_id(w.school_id);
  invite.set_student_id(w.student);
  v1::CreateParentInvitationResponse invitation;
  REQUIRE_RPC_OK(f->Call(&Stub::CreateParentInvitation, w.student, invite, &invitation));
  std::string other_invitation;
  {
    v1::CreateParentInvitationResponse second;
    REQUIRE_RPC_OK(f->Call(&Stub::CreateParentInvitation, w.student, invite, &second));
    other_invitation = second.code();
  }
  REQUIRE_RPC_OK(Redeem(*f, DirectoryFixture::NewUser(), invitation.code()));
  CHECK_RPC_ERROR(Redeem(*f, DirectoryFixture::NewUser(), other_invitation), FAILED_PRECONDITION,
                  "PARENT_LIMIT_REACHED");
  CHECK_RPC_ERROR(f->Call(&Stub::CreateParentInvitation, w.student, invite, &invitation),
                  FAILED_PRECONDITION, "PARENT_LIMIT_REACHED");
}

TEST_CASE("Safe mode decides who may contact a student, and only his parents change it",
          "[directory][api]") {
  PARTA_DIRECTORY_FIXTURE(f);
  SchoolWorld w = f->BuildSchool();
  std::string other_class = f->CreateClass(w.school_id, w.admin, 7, "А");
  std::string stranger = f->Join(w.school_id, f->Token(w.admin), v1::ROLE_STUDENT, other_class);
  std::string other_teacher = f->Join(w.school_id, f->Token(w.admin), v1::ROLE_TEACHER);
  std::string classmate = f->Join(w.school_id, f->Token(w.teacher), v1::ROLE_STUDENT, w.class_id);
  std::string student = MemberResource(w, w.student);

  CHECK(f->Allowed(classmate, "member.contact", student));
  CHECK(f->Allowed(w.teacher, "member.contact", student));
  CHECK(f->Allowed(w.parent, "member.contact", student));
  CHECK(f->Allowed(w.admin, "member.contact", student));
  CHECK(f->Allowed(w.employee, "member.see_presence", student));
  CHECK_FALSE(f->Allowed(stranger, "member.contact", student));
  CHECK_FALSE(f->Allowed(stranger, "member.find", student));
  CHECK_FALSE(f->Allowed(other_teacher, "member.contact", student));
  CHECK(f->Allowed(stranger, "member.contact", MemberResource(w, w.teacher)));

  // The same table, many people at once: what presence lists ask.
  v1::FilterVisibleMembersRequest filter;
  filter.set_school_id(w.school_id);
  filter.set_permission("member.see_presence");
  for (const std::string& id :
       {w.student, w.teacher, classmate, w.parent, std::string("not-an-id")}) {
    filter.add_user_ids(id);
  }
  v1::FilterVisibleMembersResponse visible;
  REQUIRE_RPC_OK(f->Call(&Stub::FilterVisibleMembers, stranger, filter, &visible));
  CHECK(std::vector<std::string>(visible.user_ids().begin(), visible.user_ids().end()) ==
        std::vector<std::string>{w.teacher});  // safe mode hides the students of 5А
  REQUIRE_RPC_OK(f->Call(&Stub::FilterVisibleMembers, classmate, filter, &visible));
  CHECK(visible.user_ids_size() == 3);  // his classmate, his teacher and himself, not a parent
  filter.set_permission("class.read");
  CHECK_RPC_ERROR(f->Call(&Stub::FilterVisibleMembers, stranger, filter, &visible),
                  INVALID_ARGUMENT, "UNKNOWN_PERMISSION");

  v1::UpdateStudentSettingsRequest update;
  update.set_school_id(w.school_id);
  update.set_student_id(w.student);
  update.mutable_settings()->set_safe_mode(false);
  update.mutable_update_mask()->add_paths("safe_mode");
  v1::UpdateStudentSettingsResponse settings;
  CHECK_RPC_ERROR(f->Call(&Stub::UpdateStudentSettings, w.student, update, &settings),
                  PERMISSION_DENIED, "NOT_ALLOWED_FOR_STUDENT");
  CHECK_RPC_ERROR(f->Call(&Stub::UpdateStudentSettings, w.teacher, update, &settings),
                  PERMISSION_DENIED, "NOT_ALLOWED_FOR_STUDENT");
  // Safe mode goes off with the parent's consent to the pupil's school-wide visibility.
  CHECK_RPC_ERROR(f->Call(&Stub::UpdateStudentSettings, w.parent, update, &settings),
                  FAILED_PRECONDITION, "CONSENT_REQUIRED");
  GiveVisibilityConsent(*f, w);
  REQUIRE_RPC_OK(f->Call(&Stub::UpdateStudentSettings, w.parent, update, &settings));
  CHECK_FALSE(settings.settings().safe_mode());
  CHECK(settings.settings().student_id() == w.student);
  CHECK(f->Allowed(stranger, "member.contact", student));
  CHECK(f->Allowed(other_teacher, "member.contact", student));
}

TEST_CASE("UpdateStudentSettings changes only what its update mask names", "[directory][api]") {
  PARTA_DIRECTORY_FIXTURE(f);
  SchoolWorld w = f->BuildSchool();
  v1::UpdateStudentSettingsRequest update;
  update.set_school_id(w.school_id);
  update.set_student_id(w.student);
  update.mutable_settings()->set_safe_mode(false);
  v1::UpdateStudentSettingsResponse settings;
  // No mask, or a mask naming a field that cannot change: refused, and safe mode stays on.
  CHECK_RPC_ERROR(f->Call(&Stub::UpdateStudentSettings, w.parent, update, &settings),
                  INVALID_ARGUMENT, "INVALID_UPDATE_MASK");
  for (const char* path : {"student_id", "school_id", "safeMode", "nonsense"}) {
    update.mutable_update_mask()->clear_paths();
    update.mutable_update_mask()->add_paths(path);
    CHECK_RPC_ERROR(f->Call(&Stub::UpdateStudentSettings, w.parent, update, &settings),
                    INVALID_ARGUMENT, "INVALID_UPDATE_MASK");
  }
  update.mutable_update_mask()->add_paths("safe_mode");  // with an unknown path still there
  CHECK_RPC_ERROR(f->Call(&Stub::UpdateStudentSettings, w.parent, update, &settings),
                  INVALID_ARGUMENT, "INVALID_UPDATE_MASK");
  std::string stranger = f->Join(w.school_id, f->Token(w.admin), v1::ROLE_TEACHER);
  CHECK_FALSE(f->Allowed(stranger, "member.contact", MemberResource(w, w.student)));

  // The ids of the body are not what the mask changes: the path's student is the one changed.
  GiveVisibilityConsent(*f, w);
  update.mutable_update_mask()->clear_paths();
  update.mutable_update_mask()->add_paths("safe_mode");
  update.mutable_settings()->set_student_id(w.parent);
  update.mutable_settings()->set_school_id(DirectoryFixture::NewUser());
  REQUIRE_RPC_OK(f->Call(&Stub::UpdateStudentSettings, w.parent, update, &settings));
  CHECK(settings.settings().school_id() == w.school_id);
  CHECK(settings.settings().student_id() == w.student);
  CHECK_FALSE(settings.settings().safe_mode());
  CHECK(f->Allowed(stranger, "member.contact", MemberResource(w, w.student)));

  // Back on, by an admin.
  update.mutable_settings()->set_safe_mode(true);
  REQUIRE_RPC_OK(f->Call(&Stub::UpdateStudentSettings, w.admin, update, &settings));
  CHECK(settings.settings().safe_mode());
  CHECK_FALSE(f->Allowed(stranger, "member.contact", MemberResource(w, w.student)));
}

TEST_CASE("A removed teacher loses access at once", "[directory][api]") {
  PARTA_DIRECTORY_FIXTURE(f);
  SchoolWorld w = f->BuildSchool();
  std::string roster = ClassResource(w, w.class_id);
  // Asked twice: the second answer comes from the cache.
  CHECK(f->Allowed(w.teacher, "class.moderate", roster));
  CHECK(f->Allowed(w.teacher, "class.moderate", roster));
  v1::RemoveMemberRoleRequest remove;
  remove.set_school_id(w.school_id);
  remove.set_user_id(w.teacher);
  remove.set_role(v1::ROLE_TEACHER);
  v1::RemoveMemberRoleResponse member;
  CHECK_RPC_ERROR(f->Call(&Stub::RemoveMemberRole, w.teacher, remove, &member), PERMISSION_DENIED,
                  "NOT_SCHOOL_ADMIN");
  REQUIRE_RPC_OK(f->Call(&Stub::RemoveMemberRole, w.admin, remove, &member));
  CHECK(member.member().roles_size() == 0);
  CHECK_FALSE(f->Allowed(w.teacher, "class.moderate", roster));
  CHECK_FALSE(f->Allowed(w.teacher, "member.contact", MemberResource(w, w.student)));
  CHECK_RPC_ERROR(f->Call(&Stub::RemoveMemberRole, w.admin, remove, &member), NOT_FOUND,
                  "MEMBER_NOT_FOUND");

  remove.set_user_id(w.admin);
  remove.set_role(v1::ROLE_ADMIN);
  CHECK_RPC_ERROR(f->Call(&Stub::RemoveMemberRole, w.admin, remove, &member), FAILED_PRECONDITION,
                  "LAST_ADMIN");
}

TEST_CASE("A pupil who leaves the school ends his family's ties there", "[directory][api]") {
  PARTA_DIRECTORY_FIXTURE(f);
  SchoolWorld w = f->BuildSchool();
  // An invitation for a second parent, not yet redeemed when he leaves.
  v1::CreateParentInvitationRequest invite;
  invite.set_school_id(w.school_id);
  invite.set_student_id(w.student);
  v1::CreateParentInvitationResponse pending;
  REQUIRE_RPC_OK(f->Call(&Stub::CreateParentInvitation, w.student, invite, &pending));
  v1::ListParentLinksRequest list;
  list.set_school_id(w.school_id);
  list.set_student_id(w.student);
  v1::ListParentLinksResponse links;
  REQUIRE_RPC_OK(f->Call(&Stub::ListParentLinks, w.admin, list, &links));
  REQUIRE(links.links_size() == 1);
  CHECK(f->Allowed(w.parent, "member.contact", MemberResource(w, w.student)));

  v1::RemoveMemberRoleRequest remove;
  remove.set_school_id(w.school_id);
  remove.set_user_id(w.student);
  remove.set_role(v1::ROLE_STUDENT);
  v1::RemoveMemberRoleResponse member;
  REQUIRE_RPC_OK(f->Call(&Stub::RemoveMemberRole, w.admin, remove, &member));
  CHECK_FALSE(f->Allowed(w.parent, "member.contact", MemberResource(w, w.student)));
  // His only child gone, the parent is no longer a member of the school.
  v1::ListMembershipsResponse memberships;
  REQUIRE_RPC_OK(
      f->Call(&Stub::ListMemberships, w.parent, v1::ListMembershipsRequest(), &memberships));
  CHECK(memberships.memberships_size() == 0);
  // Back in the school, he is nobody's child there until a parent is linked anew, and the
  // invitation made before he left links no one.
  f->Join(w.school_id, f->Token(w.teacher), v1::ROLE_STUDENT, w.class_id, w.student);
  REQUIRE_RPC_OK(f->Call(&Stub::ListParentLinks, w.admin, list, &links));
  CHECK(links.links_size() == 0);
  CHECK_FALSE(f->Allowed(w.parent, "member.contact", MemberResource(w, w.student)));
  v1::RedeemInvitationRequest redeem;
  redeem.set_code(pending.code());
  v1::RedeemInvitationResponse redeemed;
  CHECK_RPC_ERROR(f->Call(&Stub::RedeemInvitation, f->NewUser(), redeem, &redeemed),
                  FAILED_PRECONDITION, "INVITATION_REVOKED");
  // The ended link is an event, so messaging's copy of it ends too.
  v1::ListEventsRequest events;
  events.set_school_id(w.school_id);
  v1::ListEventsResponse listed;
  bool ended = false;
  do {
    REQUIRE_RPC_OK(f->CallWithToken(&Stub::ListEvents, f->ServiceToken(), events, &listed));
    for (const v1::StreamedEvent& e : listed.events()) {
      ended = ended || (e.event().has_parent_link_ended() &&
                        e.event().parent_link_ended().link().id() == w.parent_link_id);
      events.set_after_sequence(e.sequence());
    }
  } while (listed.has_more());
  CHECK(ended);
}

TEST_CASE("CheckPermission refuses unknown permissions and malformed resources",
          "[directory][api]") {
  PARTA_DIRECTORY_FIXTURE(f);
  SchoolWorld w = f->BuildSchool();
  v1::CheckPermissionRequest request;
  v1::CheckPermissionResponse response;
  request.set_permission("school.destroy");
  request.set_resource(SchoolResource(w.school_id));
  CHECK_RPC_ERROR(f->Call(&Stub::CheckPermission, w.admin, request, &response), INVALID_ARGUMENT,
                  "UNKNOWN_PERMISSION");
  request.set_permission("school.read");
  request.set_resource("schools/../etc");
  CHECK_RPC_ERROR(f->Call(&Stub::CheckPermission, w.admin, request, &response), INVALID_ARGUMENT,
                  "INVALID_RESOURCE");
  request.set_resource(ClassResource(w, w.class_id));
  CHECK_RPC_ERROR(f->Call(&Stub::CheckPermission, w.admin, request, &response), INVALID_ARGUMENT,
                  "PERMISSION_RESOURCE_MISMATCH");

  v1::CheckSubjectPermissionRequest subject;
  subject.set_subject(w.teacher);
  subject.set_permission("class.moderate");
  subject.set_resource(ClassResource(w, w.class_id));
  v1::CheckSubjectPermissionResponse subject_response;
  CHECK_RPC_ERROR(f->Call(&Stub::CheckSubjectPermission, w.admin, subject, &subject_response),
                  PERMISSION_DENIED, "INTERNAL_ONLY");
  REQUIRE_RPC_OK(f->CallWithToken(&Stub::CheckSubjectPermission, f->ServiceToken(), subject,
                                  &subject_response));
  CHECK(subject_response.allowed());
  subject.set_subject("nobody");
  CHECK_RPC_ERROR(f->CallWithToken(&Stub::CheckSubjectPermission, f->ServiceToken(), subject,
                                   &subject_response),
                  INVALID_ARGUMENT, "INVALID_SUBJECT");
}

TEST_CASE("ListEvents gives a school's events in sequence order to services only",
          "[directory][api]") {
  PARTA_DIRECTORY_FIXTURE(f);
  SchoolWorld w = f->BuildSchool();
  v1::ListEventsRequest request;
  request.set_school_id(w.school_id);
  v1::ListEventsResponse response;
  CHECK_RPC_ERROR(f->Call(&Stub::ListEvents, w.admin, request, &response), PERMISSION_DENIED,
                  "INTERNAL_ONLY");
  REQUIRE_RPC_OK(f->CallWithToken(&Stub::ListEvents, f->ServiceToken(), request, &response));
  REQUIRE(response.events_size() >= 8);
  CHECK(response.events(0).event().has_school_created());
  for (int i = 0; i < response.events_size(); ++i) {
    CHECK(response.events(i).sequence() == i + 1);
    CHECK(response.events(i).event().school_id() == w.school_id);
    if (i > 0) {
      CHECK(response.events(i).event().generation() > response.events(i - 1).event().generation());
    }
  }
  CHECK_FALSE(response.has_more());
  const int64_t last = response.events(response.events_size() - 1).sequence();
  request.set_after_sequence(last - 2);
  request.set_page_size(1);
  REQUIRE_RPC_OK(f->CallWithToken(&Stub::ListEvents, f->ServiceToken(), request, &response));
  REQUIRE(response.events_size() == 1);
  CHECK(response.events(0).sequence() == request.after_sequence() + 1);
  CHECK(response.has_more());
  request.set_page_size(2);  // exactly the two that are left
  REQUIRE_RPC_OK(f->CallWithToken(&Stub::ListEvents, f->ServiceToken(), request, &response));
  REQUIRE(response.events_size() == 2);
  CHECK(response.events(1).sequence() == last);
  CHECK_FALSE(response.has_more());
  request.set_after_sequence(last);
  REQUIRE_RPC_OK(f->CallWithToken(&Stub::ListEvents, f->ServiceToken(), request, &response));
  CHECK(response.events_size() == 0);
  CHECK_FALSE(response.has_more());
  request.set_page_size(1001);
  CHECK_RPC_ERROR(f->CallWithToken(&Stub::ListEvents, f->ServiceToken(), request, &response),
                  INVALID_ARGUMENT, "INVALID_PAGE_SIZE");
  request.set_page_size(0);
  request.set_after_sequence(-1);
  CHECK_RPC_ERROR(f->CallWithToken(&Stub::ListEvents, f->ServiceToken(), request, &response),
                  INVALID_ARGUMENT, "INVALID_SEQUENCE");
  request.set_after_sequence(0);
  request.set_school_id(DirectoryFixture::NewUser());
  CHECK_RPC_ERROR(f->CallWithToken(&Stub::ListEvents, f->ServiceToken(), request, &response),
                  NOT_FOUND, "SCHOOL_NOT_FOUND");
}

}  // namespace
}  // namespace parta::directory
