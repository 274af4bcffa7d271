// Roster imports, school-managed accounts and confirmations, against a real identity service.

#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "services/directory/tests/api/directory_with_identity.h"
#include "services/directory/tests/directory_fixture.h"
#include "services/identity/tests/identity_fixture.h"

namespace parta::directory {
namespace {

using testing::DirectoryFixture;
using testing::SchoolWorld;
using Stub = v1::DirectoryService::Stub;
using identity::testing::IdentityFixture;
using testing::ReasonOf;
namespace identity_v1 = parta::identity::v1;

using Services = testing::DirectoryWithIdentity;

Services StartBoth() { return testing::StartDirectoryWithIdentity(); }

// A BOM, semicolons and Russian column names, as a spreadsheet saves it; the columns in an
// order of their own.
const char kRoster[] =
    "\xEF\xBB\xBF"
    "Фамилия;Имя;Отчество;Дата рождения;Класс;Роль\r\n"
    "Иванов;Пётр;Сергеевич;14.03.2015;5А;ученик\r\n"
    "Смирнова;Анна;;2015-07-01;5a;Ученица\r\n"  // Latin letter, lower case
    "Кузнецова;Мария;Ивановна;01.09.1985;;учитель\r\n"
    "Попов;Олег;;31.02.2015;5А;ученик\r\n"            // no such date
    "Соколов;Илья;;2015-01-01;7Я;ученик\r\n"          // no such class
    "Иванов;Пётр;Сергеевич;14.03.2015;5А;ученик\r\n"  // the first line again
    "Лебедев;Иван;;2015-02-02;;ученик\r\n"            // a student without a class
    "Новикова;Ольга;;1990-05-05;5А;сотрудник\r\n"     // staff with a class
    "\"Орлов; младший\";Кирилл;;2015-03-03;5А\r\n"    // a field short
    "Волков;Дмитрий;;2015-04-04;5А;директор\r\n";     // no such role

std::vector<std::pair<int, std::string>> Rejections(const v1::ImportRosterResponse& response) {
  std::vector<std::pair<int, std::string>> out;
  for (const v1::RejectedLine& line : response.rejected())
    out.emplace_back(line.line(), line.reason());
  return out;
}

::grpc::Status Activate(IdentityFixture& identity, const std::string& username,
                        const std::string& code, identity_v1::TokenPair* pair) {
  identity_v1::ActivateManagedAccountRequest request;
  request.set_login(username);
  request.set_code(code);
  request.set_new_password("Пароль ученика пятого класса 2026");
  identity_v1::ActivateManagedAccountResponse response;
  ::grpc::Status status =
      identity.stub().ActivateManagedAccount(IdentityFixture::Context().get(), request, &response);
  *pair = response.tokens();
  return status;
}

TEST_CASE("A roster import: a dry run, line-by-line rejections, accounts once, idempotent again",
          "[directory][api][import]") {
  Services s = StartBoth();
  if (!s.directory) return;
  DirectoryFixture& f = *s.directory;
  SchoolWorld w = f.BuildSchool();
  v1::ImportRosterRequest request;
  request.set_school_id(w.school_id);
  request.set_csv(kRoster);
  request.set_academic_year(2026);
  request.set_dry_run(true);
  v1::ImportRosterResponse dry;
  REQUIRE_RPC_OK(f.Call(&Stub::ImportRoster, w.admin, request, &dry));
  CHECK(dry.dry_run());
  CHECK(dry.rows() == 10);
  REQUIRE(dry.people_size() == 3);
  CHECK(dry.people(0).account_id().empty());
  const std::vector<std::pair<int, std::string>> expected = {
      {5, "INVALID_BIRTH_DATE"}, {6, "CLASS_NOT_FOUND"},   {7, "DUPLICATE_ROW"},
      {8, "CLASS_REQUIRED"},     {9, "CLASS_NOT_ALLOWED"}, {10, "INVALID_ROW"},
      {11, "INVALID_ROLE"}};
  CHECK(Rejections(dry) == expected);
  v1::GetClassRosterRequest roster_request;
  roster_request.set_school_id(w.school_id);
  roster_request.set_class_id(w.class_id);
  v1::GetClassRosterResponse roster;
  REQUIRE_RPC_OK(f.Call(&Stub::GetClassRoster, w.admin, roster_request, &roster));
  CHECK(roster.roster().student_ids_size() == 1);  // nothing written

  request.set_dry_run(false);
  v1::ImportRosterResponse imported;
  REQUIRE_RPC_OK(f.Call(&Stub::ImportRoster, w.admin, request, &imported));
  CHECK(Rejections(imported) == expected);
  REQUIRE(imported.people_size() == 3);
  const v1::ImportedPerson& petr = imported.people(0);
  CHECK(petr.display_name() == "Иванов Пётр Сергеевич");
  CHECK(petr.created());
  CHECK(petr.class_id() == w.class_id);
  CHECK(petr.login_code().size() == 14);
  CHECK(imported.people(2).role() == v1::ROLE_TEACHER);
  REQUIRE_RPC_OK(f.Call(&Stub::GetClassRoster, w.admin, roster_request, &roster));
  CHECK(roster.roster().student_ids_size() == 3);
  CHECK(f.Allowed(petr.account_id(), "class.students_chat",
                  absl::StrCat("schools/", w.school_id, "/classes/", w.class_id)));

  // The pupil signs in with the printed username and code, setting his password.
  identity_v1::TokenPair pair;
  REQUIRE(Activate(*s.identity, petr.username(), petr.login_code(), &pair).ok());

  // The same file again: the same accounts, nothing new.
  v1::ImportRosterResponse again;
  REQUIRE_RPC_OK(f.Call(&Stub::ImportRoster, w.admin, request, &again));
  REQUIRE(again.people_size() == 3);
  for (int i = 0; i < 3; ++i) {
    CHECK_FALSE(again.people(i).created());
    CHECK(again.people(i).login_code().empty());
    CHECK(again.people(i).account_id() == imported.people(i).account_id());
  }
  REQUIRE_RPC_OK(f.Call(&Stub::GetClassRoster, w.admin, roster_request, &roster));
  CHECK(roster.roster().student_ids_size() == 3);

  // The class teacher prints new codes for his class; the old ones stop working.
  v1::IssueClassLoginCodesRequest print;
  print.set_school_id(w.school_id);
  print.set_class_id(w.class_id);
  v1::IssueClassLoginCodesResponse cards;
  CHECK_RPC_ERROR(f.Call(&Stub::IssueClassLoginCodes, w.student, print, &cards), PERMISSION_DENIED,
                  "NOT_CLASS_TEACHER");
  REQUIRE_RPC_OK(f.Call(&Stub::IssueClassLoginCodes, w.teacher, print, &cards));
  REQUIRE(cards.cards_size() == 2);  // the imported ones; the invited student has no code
  CHECK(cards.cards(0).display_name() == "Иванов Пётр Сергеевич");  // by name
  const v1::LoginCard& anna = cards.cards(1);
  CHECK(anna.display_name() == "Смирнова Анна");
  CHECK(ReasonOf(Activate(*s.identity, anna.username(), imported.people(1).login_code(), &pair)) ==
        "INVALID_CODE");
  REQUIRE(Activate(*s.identity, anna.username(), anna.login_code(), &pair).ok());

  // The admin confirms the imported teacher; identity raises her verification level.
  v1::ConfirmMemberRequest confirm;
  confirm.set_school_id(w.school_id);
  confirm.set_user_id(imported.people(2).account_id());
  v1::ConfirmMemberResponse member;
  CHECK_RPC_ERROR(f.Call(&Stub::ConfirmMember, w.teacher, confirm, &member), PERMISSION_DENIED,
                  "NOT_SCHOOL_ADMIN");
  REQUIRE_RPC_OK(f.Call(&Stub::ConfirmMember, w.admin, confirm, &member));
  identity_v1::GetAccountRequest get;
  get.set_account_id(imported.people(2).account_id());
  identity_v1::GetAccountResponse account;
  REQUIRE(s.identity->stub()
              .GetAccount(IdentityFixture::Context(s.identity->ServiceToken()).get(), get, &account)
              .ok());
  CHECK(account.account().verification_level() == identity_v1::VERIFICATION_LEVEL_SCHOOL_CONFIRMED);
  confirm.set_user_id(petr.account_id());
  CHECK_RPC_ERROR(f.Call(&Stub::ConfirmMember, w.admin, confirm, &member), FAILED_PRECONDITION,
                  "NOT_STAFF");
}

TEST_CASE("A roster import refuses what is not a roster, and non-admins",
          "[directory][api][import]") {
  Services s = StartBoth();
  if (!s.directory) return;
  DirectoryFixture& f = *s.directory;
  SchoolWorld w = f.BuildSchool();
  v1::ImportRosterRequest request;
  request.set_school_id(w.school_id);
  request.set_academic_year(2026);
  v1::ImportRosterResponse response;
  request.set_csv("name,surname\nИван,Иванов\n");
  CHECK_RPC_ERROR(f.Call(&Stub::ImportRoster, w.admin, request, &response), INVALID_ARGUMENT,
                  "INVALID_CSV");
  request.set_csv("class,last_name,first_name,patronymic,birth_date,role\n\"5А,Иванов\n");
  CHECK_RPC_ERROR(f.Call(&Stub::ImportRoster, w.admin, request, &response), INVALID_ARGUMENT,
                  "INVALID_CSV");
  request.set_csv(kRoster);
  CHECK_RPC_ERROR(f.Call(&Stub::ImportRoster, w.teacher, request, &response), PERMISSION_DENIED,
                  "NOT_SCHOOL_ADMIN");
  request.set_academic_year(0);
  CHECK_RPC_ERROR(f.Call(&Stub::ImportRoster, w.admin, request, &response), INVALID_ARGUMENT,
                  "INVALID_ACADEMIC_YEAR");
}

TEST_CASE("Without client credentials for identity, imports say so", "[directory][api][import]") {
  PARTA_DIRECTORY_FIXTURE(f);
  SchoolWorld w = f->BuildSchool();
  v1::ImportRosterRequest request;
  request.set_school_id(w.school_id);
  request.set_academic_year(2026);
  request.set_csv(kRoster);
  v1::ImportRosterResponse response;
  CHECK_RPC_ERROR(f->Call(&Stub::ImportRoster, w.admin, request, &response), FAILED_PRECONDITION,
                  "IDENTITY_CLIENT_NOT_CONFIGURED");
  v1::ConfirmMemberRequest confirm;
  confirm.set_school_id(w.school_id);
  confirm.set_user_id(w.teacher);
  v1::ConfirmMemberResponse member;
  CHECK_RPC_ERROR(f->Call(&Stub::ConfirmMember, w.admin, confirm, &member), FAILED_PRECONDITION,
                  "IDENTITY_CLIENT_NOT_CONFIGURED");
}

TEST_CASE(
    "Refused or unreachable identity credentials are the deployment's problem, not the caller's",
    "[directory][api][import]") {
  auto identity = IdentityFixture::Start();
  if (!identity) return;
  IdentityFixture::ServiceClient client = identity->CreateServiceClient("directory");
  std::string address = absl::StrCat("127.0.0.1:", identity->app().grpc_port());
  struct Case {
    std::string address, secret;
    ::grpc::StatusCode code;
    const char* reason;
  };
  for (const Case& c : {Case{address, "wrong-secret", ::grpc::StatusCode::FAILED_PRECONDITION,
                             "IDENTITY_CLIENT_REJECTED"},
                        Case{"127.0.0.1:1", client.secret, ::grpc::StatusCode::UNAVAILABLE,
                             "IDENTITY_UNAVAILABLE"}}) {
    auto f = DirectoryFixture::Start([&](DirectoryConfig& config) {
      config.identity_address = c.address;
      config.identity_client_id = client.id;
      config.identity_client_secret = c.secret;
    });
    REQUIRE(f);
    SchoolWorld w = f->BuildSchool();
    v1::ImportRosterRequest request;
    request.set_school_id(w.school_id);
    request.set_academic_year(2026);
    request.set_csv(kRoster);
    v1::ImportRosterResponse response;
    ::grpc::Status status = f->Call(&Stub::ImportRoster, w.admin, request, &response);
    INFO(c.reason << ": " << status.error_message());
    CHECK(status.error_code() == c.code);
    CHECK(ReasonOf(status) == c.reason);
  }
}

}  // namespace
}  // namespace parta::directory
