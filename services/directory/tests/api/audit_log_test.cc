// A school's audit log, read by its admins and operators: who did what, on whom, when and from
// where; filtered, paged, and closed to everyone else.

#include <catch2/catch.hpp>

#include <set>

#include "services/directory/tests/directory_fixture.h"

namespace parta::directory {
namespace {

using testing::DirectoryFixture;
using testing::SchoolWorld;
using Stub = v1::DirectoryService::Stub;

std::vector<v1::AuditLogEntry> ReadAll(DirectoryFixture& f, const std::string& token,
                                       v1::ListAuditLogRequest request) {
  std::vector<v1::AuditLogEntry> entries;
  do {
    v1::ListAuditLogResponse response;
    ::grpc::Status status = f.CallWithToken(&Stub::ListAuditLog, token, request, &response);
    INFO(status.error_message());
    REQUIRE(status.ok());
    entries.insert(entries.end(), response.entries().begin(), response.entries().end());
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  return entries;
}

TEST_CASE("A school's admins read its audit log, filtered and paged", "[directory][api][audit]") {
  PARTA_DIRECTORY_FIXTURE(f);
  SchoolWorld w = f->BuildSchool();
  v1::ListAuditLogRequest request;
  request.set_school_id(w.school_id);
  std::vector<v1::AuditLogEntry> all = ReadAll(*f, f->Token(w.admin), request);
  REQUIRE(all.size() >= 8);
  // The newest first, every entry from an address.
  for (size_t i = 1; i < all.size(); ++i) {
    CHECK(std::stoll(all[i - 1].id()) > std::stoll(all[i].id()));
  }
  for (const v1::AuditLogEntry& entry : all) {
    INFO(entry.action());
    CHECK(!entry.client_address().empty());
    CHECK(entry.create_time().seconds() > 0);
  }
  // The teacher's invitation and role are there, done by the admin.
  bool teacher_granted = false;
  for (const v1::AuditLogEntry& entry : all) {
    teacher_granted |= entry.action() == "role_granted" && entry.subject_id() == w.teacher;
  }
  CHECK(teacher_granted);

  // Paged two at a time: the same entries in the same order.
  v1::ListAuditLogRequest paged = request;
  paged.set_page_size(2);
  std::vector<v1::AuditLogEntry> pages = ReadAll(*f, f->Token(w.admin), paged);
  REQUIRE(pages.size() == all.size());
  for (size_t i = 0; i < all.size(); ++i) CHECK(pages[i].id() == all[i].id());

  // By or about one person.
  v1::ListAuditLogRequest about_teacher = request;
  about_teacher.set_person_id(w.teacher);
  std::vector<v1::AuditLogEntry> teacher = ReadAll(*f, f->Token(w.admin), about_teacher);
  REQUIRE(!teacher.empty());
  for (const v1::AuditLogEntry& entry : teacher) {
    CHECK((entry.actor_id() == w.teacher || entry.subject_id() == w.teacher));
  }
  CHECK(teacher.size() < all.size());

  // A family of actions, and one action exactly.
  v1::ListAuditLogRequest invitations = request;
  invitations.set_action("invitation_*");
  std::vector<v1::AuditLogEntry> invited = ReadAll(*f, f->Token(w.admin), invitations);
  REQUIRE(!invited.empty());
  for (const v1::AuditLogEntry& entry : invited) {
    CHECK(entry.action().rfind("invitation_", 0) == 0);
  }
  v1::ListAuditLogRequest classes = request;
  classes.set_action("class_created");
  std::vector<v1::AuditLogEntry> created = ReadAll(*f, f->Token(w.admin), classes);
  REQUIRE(created.size() == 1);
  CHECK(created[0].subject_id() == w.class_id);

  // A time range: everything happened before a second from now, nothing after it.
  const int64_t later = absl::ToUnixSeconds(f->clock().Now()) + 1;
  v1::ListAuditLogRequest after = request;
  after.mutable_start_time()->set_seconds(later);
  CHECK(ReadAll(*f, f->Token(w.admin), after).empty());
  v1::ListAuditLogRequest before = request;
  before.mutable_end_time()->set_seconds(later);
  CHECK(ReadAll(*f, f->Token(w.admin), before).size() == all.size());

  // Operators read every school's.
  CHECK(ReadAll(*f, f->OperatorToken(), request).size() == all.size());
}

TEST_CASE("The audit log is closed to everyone but the school's admins and refuses bad filters",
          "[directory][api][audit]") {
  PARTA_DIRECTORY_FIXTURE(f);
  SchoolWorld w = f->BuildSchool();
  SchoolWorld other = f->BuildSchool();
  v1::ListAuditLogRequest request;
  request.set_school_id(w.school_id);
  v1::ListAuditLogResponse response;
  CHECK_RPC_ERROR(f->Call(&Stub::ListAuditLog, w.teacher, request, &response), PERMISSION_DENIED,
                  "NOT_SCHOOL_ADMIN");
  CHECK_RPC_ERROR(f->Call(&Stub::ListAuditLog, w.parent, request, &response), PERMISSION_DENIED,
                  "NOT_SCHOOL_ADMIN");
  // Another school's admin learns nothing, not even that the school exists.
  CHECK_RPC_ERROR(f->Call(&Stub::ListAuditLog, other.admin, request, &response), NOT_FOUND,
                  "SCHOOL_NOT_FOUND");
  CHECK_RPC_ERROR(f->Call(&Stub::ListAuditLog, DirectoryFixture::NewUser(), request, &response),
                  NOT_FOUND, "SCHOOL_NOT_FOUND");

  v1::ListAuditLogRequest bad = request;
  bad.set_person_id("someone");
  CHECK_RPC_ERROR(f->Call(&Stub::ListAuditLog, w.admin, bad, &response), INVALID_ARGUMENT,
                  "INVALID_PERSON_ID");
  bad = request;
  bad.set_action("role%");
  CHECK_RPC_ERROR(f->Call(&Stub::ListAuditLog, w.admin, bad, &response), INVALID_ARGUMENT,
                  "INVALID_ACTION");
  bad = request;
  bad.set_action("*role");
  CHECK_RPC_ERROR(f->Call(&Stub::ListAuditLog, w.admin, bad, &response), INVALID_ARGUMENT,
                  "INVALID_ACTION");
  bad = request;
  bad.mutable_start_time()->set_seconds(2000);
  bad.mutable_end_time()->set_seconds(1000);
  CHECK_RPC_ERROR(f->Call(&Stub::ListAuditLog, w.admin, bad, &response), INVALID_ARGUMENT,
                  "INVALID_TIME_RANGE");
  bad = request;
  bad.set_page_size(501);
  CHECK_RPC_ERROR(f->Call(&Stub::ListAuditLog, w.admin, bad, &response), INVALID_ARGUMENT,
                  "INVALID_PAGE_SIZE");
  // A token of another school's log does not page this one.
  v1::ListAuditLogRequest theirs;
  theirs.set_school_id(other.school_id);
  theirs.set_page_size(1);
  REQUIRE(f->Call(&Stub::ListAuditLog, other.admin, theirs, &response).ok());
  REQUIRE(!response.next_page_token().empty());
  bad = request;
  bad.set_page_token(response.next_page_token());
  CHECK_RPC_ERROR(f->Call(&Stub::ListAuditLog, w.admin, bad, &response), INVALID_ARGUMENT,
                  "INVALID_PAGE_TOKEN");

  // Nobody changes an entry, not even with the database's own hands.
  absl::Status update = f->pool().Transact([&](pqxx::work& tx) {
    tx.exec("UPDATE audit_log SET action = 'forged'");
    return absl::OkStatus();
  });
  CHECK(!update.ok());
}

}  // namespace
}  // namespace parta::directory
