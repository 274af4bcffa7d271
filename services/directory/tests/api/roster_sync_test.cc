// Regional systems' roster sync (SyncRoster), against a real identity service: keyed by the
// region's ids, idempotent, a dry run, entry-by-entry rejections, removals only when asked, and
// only for clients that may touch the school.

#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "libs/grpc/client.h"
#include "services/directory/tests/api/directory_with_identity.h"
#include "services/directory/tests/directory_fixture.h"
#include "services/identity/tests/identity_fixture.h"

namespace parta::directory {
namespace {

using testing::DirectoryFixture;
using testing::ReasonOf;
using Stub = v1::DirectoryService::Stub;
using identity::testing::IdentityFixture;

constexpr char kSyncScope[] = "directory.roster.sync";

using Services = testing::DirectoryWithIdentity;

Services StartBoth() { return testing::StartDirectoryWithIdentity(); }

v1::SyncedClass Class(const std::string& id, const std::string& name,
                      const std::string& teacher = "") {
  v1::SyncedClass c;
  c.set_external_id(id);
  c.set_name(name);
  c.set_teacher_external_id(teacher);
  return c;
}

v1::SyncedPerson Person(const std::string& id, v1::Role role, const std::string& last,
                        const std::string& first, const std::string& birth_date = "",
                        const std::string& class_id = "",
                        const std::vector<std::string>& children = {}) {
  v1::SyncedPerson p;
  p.set_external_id(id);
  p.set_role(role);
  p.set_last_name(last);
  p.set_first_name(first);
  p.set_birth_date(birth_date);
  p.set_class_external_id(class_id);
  for (const std::string& child : children) p.add_child_external_ids(child);
  return p;
}

// An empty sync of the school's year 2026.
v1::SyncRosterRequest SyncOf(const std::string& school_id) {
  v1::SyncRosterRequest request;
  request.set_school_id(school_id);
  request.set_academic_year(2026);
  return request;
}

// The region's picture of a school: two classes, a class teacher, an employee, two pupils and
// the mother of both.
v1::SyncRosterRequest RegionRoster(const std::string& school_id) {
  v1::SyncRosterRequest request = SyncOf(school_id);
  *request.add_classes() = Class("cls-5a", "5А", "t-1");
  *request.add_classes() = Class("cls-5b", "5 б");
  *request.add_people() = Person("t-1", v1::ROLE_TEACHER, "Кузнецова", "Мария", "1985-09-01");
  *request.add_people() = Person("e-1", v1::ROLE_EMPLOYEE, "Новикова", "Ольга");
  *request.add_people() =
      Person("s-1", v1::ROLE_STUDENT, "Иванов", "Пётр", "2015-03-14", "cls-5a");
  *request.add_people() =
      Person("s-2", v1::ROLE_STUDENT, "Иванова", "Алёна", "2016-05-20", "cls-5b");
  *request.add_people() =
      Person("p-1", v1::ROLE_PARENT, "Иванова", "Елена", "", "", {"s-1", "s-2"});
  return request;
}

// External id → (action, id) of every entry of a report.
std::map<std::string, std::pair<v1::SyncAction, std::string>> Outcomes(
    const v1::SyncRosterResponse& response) {
  std::map<std::string, std::pair<v1::SyncAction, std::string>> out;
  for (const v1::SyncResult& result : response.results()) {
    out[result.external_id()] = {result.action(), result.id()};
  }
  return out;
}

std::map<std::string, std::string> Reasons(const v1::SyncRosterResponse& response) {
  std::map<std::string, std::string> out;
  for (const v1::SyncResult& result : response.results()) {
    if (result.action() == v1::SYNC_ACTION_REJECTED) out[result.external_id()] = result.reason();
  }
  return out;
}

int64_t LastSequence(DirectoryFixture& f, const std::string& school_id) {
  v1::ListEventsRequest request;
  request.set_school_id(school_id);
  request.set_page_size(1000);
  v1::ListEventsResponse events;
  REQUIRE_RPC_OK(f.CallWithToken(&Stub::ListEvents, f.ServiceToken(), request, &events));
  REQUIRE_FALSE(events.has_more());
  return events.events().empty() ? 0 : events.events().rbegin()->sequence();
}

// The class's roster as `reader` (a member of the school's staff) reads it.
v1::ClassRoster RosterOf(DirectoryFixture& f, const std::string& reader,
                         const std::string& school_id, const std::string& class_id) {
  v1::GetClassRosterRequest request;
  request.set_school_id(school_id);
  request.set_class_id(class_id);
  v1::GetClassRosterResponse response;
  REQUIRE_RPC_OK(f.Call(&Stub::GetClassRoster, reader, request, &response));
  return response.roster();
}

TEST_CASE("A region's roster sync makes classes, people and families once, a second sync "
          "changes nothing, and a later one moves, renames and removes what it says",
          "[directory][api][sync]") {
  Services s = StartBoth();
  if (!s.directory) return;
  DirectoryFixture& f = *s.directory;
  const std::string school_id = f.CreateSchool();
  const std::string journal =
      f.tokens().Service(DirectoryFixture::NewUser(), {kSyncScope}, {school_id});
  v1::SyncRosterRequest request = RegionRoster(school_id);
  const int64_t before = LastSequence(f, school_id);

  // A dry run tells what would be made and writes nothing.
  request.set_dry_run(true);
  v1::SyncRosterResponse dry;
  REQUIRE_RPC_OK(f.CallWithToken(&Stub::SyncRoster, journal, request, &dry));
  CHECK(dry.dry_run());
  CHECK(dry.created() == 7);
  CHECK(dry.rejected() == 0);
  for (const v1::SyncResult& result : dry.results()) {
    INFO(result.external_id());
    CHECK(result.action() == v1::SYNC_ACTION_CREATED);
    CHECK(result.id().empty());
  }
  CHECK(LastSequence(f, school_id) == before);

  request.set_dry_run(false);
  v1::SyncRosterResponse synced;
  REQUIRE_RPC_OK(f.CallWithToken(&Stub::SyncRoster, journal, request, &synced));
  CHECK(synced.created() == 7);
  auto made = Outcomes(synced);
  for (const auto& [external_id, outcome] : made) {
    INFO(external_id);
    CHECK(outcome.first == v1::SYNC_ACTION_CREATED);
    CHECK_FALSE(outcome.second.empty());
  }
  for (const v1::SyncResult& result : synced.results()) {
    if (result.kind() == "person") CHECK(result.login_code().size() == 14);
  }
  const std::string class_5a = made["cls-5a"].second, class_5b = made["cls-5b"].second;
  const std::string teacher = made["t-1"].second;
  v1::ClassRoster roster_5a = RosterOf(f, teacher, school_id, class_5a);
  CHECK(roster_5a.class_().display_name() == "5А");
  CHECK(roster_5a.class_().class_teacher_id() == made["t-1"].second);
  REQUIRE(roster_5a.student_ids_size() == 1);
  CHECK(roster_5a.student_ids(0) == made["s-1"].second);
  REQUIRE(roster_5a.parents_size() == 1);
  CHECK(roster_5a.parents(0).parent_id() == made["p-1"].second);
  CHECK(roster_5a.parents(0).student_id() == made["s-1"].second);
  v1::ClassRoster roster_5b = RosterOf(f, teacher, school_id, class_5b);
  CHECK(roster_5b.class_().display_name() == "5Б");
  CHECK(roster_5b.parents_size() == 1);
  const int64_t after_first = LastSequence(f, school_id);
  CHECK(after_first > before);

  // The same sync again: every entry found by its id, nothing written, no event.
  v1::SyncRosterResponse again;
  REQUIRE_RPC_OK(f.CallWithToken(&Stub::SyncRoster, journal, request, &again));
  CHECK(again.unchanged() == 7);
  for (const auto& [external_id, outcome] : Outcomes(again)) {
    INFO(external_id);
    CHECK(outcome == std::pair{v1::SYNC_ACTION_UNCHANGED, made[external_id].second});
  }
  for (const v1::SyncResult& result : again.results()) CHECK(result.login_code().empty());
  CHECK(LastSequence(f, school_id) == after_first);

  // The next year's picture: Алёна moves to 5А, 5Б becomes 5В, the employee left.
  v1::SyncRosterRequest next = request;
  next.mutable_classes(1)->set_name("5В");
  next.mutable_people(3)->set_class_external_id("cls-5a");
  next.mutable_people()->erase(next.mutable_people()->begin() + 1);  // e-1
  next.set_remove_missing(true);
  v1::SyncRosterResponse changed;
  REQUIRE_RPC_OK(f.CallWithToken(&Stub::SyncRoster, journal, next, &changed));
  auto outcomes = Outcomes(changed);
  CHECK(outcomes["cls-5b"] == std::pair{v1::SYNC_ACTION_UPDATED, class_5b});
  CHECK(outcomes["s-2"] == std::pair{v1::SYNC_ACTION_UPDATED, made["s-2"].second});
  CHECK(outcomes["e-1"] == std::pair{v1::SYNC_ACTION_REMOVED, made["e-1"].second});
  CHECK(outcomes["s-1"].first == v1::SYNC_ACTION_UNCHANGED);
  CHECK(changed.updated() == 2);
  CHECK(changed.removed() == 1);
  CHECK(RosterOf(f, teacher, school_id, class_5a).student_ids_size() == 2);
  CHECK(RosterOf(f, teacher, school_id, class_5b).student_ids_size() == 0);
  CHECK(RosterOf(f, teacher, school_id, class_5b).class_().display_name() == "5В");
  v1::ListMembersRequest members;
  members.set_school_id(school_id);
  members.set_role(v1::ROLE_EMPLOYEE);
  v1::ListMembersResponse employees;
  REQUIRE_RPC_OK(f.Call(&Stub::ListMembers, teacher, members, &employees));
  CHECK(employees.members_size() == 0);

  // Without remove_missing a person the sync no longer lists keeps what he has.
  v1::SyncRosterRequest partial = RegionRoster(school_id);
  partial.clear_people();
  v1::SyncRosterResponse kept;
  REQUIRE_RPC_OK(f.CallWithToken(&Stub::SyncRoster, journal, partial, &kept));
  CHECK(kept.removed() == 0);
  CHECK(RosterOf(f, teacher, school_id, class_5a).student_ids_size() == 2);
}

TEST_CASE("A roster sync refuses bad entries one by one with their reasons and applies the rest",
          "[directory][api][sync]") {
  Services s = StartBoth();
  if (!s.directory) return;
  DirectoryFixture& f = *s.directory;
  const std::string school_id = f.CreateSchool();
  const std::string journal =
      f.tokens().Service(DirectoryFixture::NewUser(), {kSyncScope}, {}, {"77"});
  v1::SyncRosterRequest first = SyncOf(school_id);
  *first.add_classes() = Class("cls-5a", "5А");
  *first.add_people() = Person("x-1", v1::ROLE_STUDENT, "Петров", "Иван", "2015-01-01", "cls-5a");
  *first.add_people() = Person("e-1", v1::ROLE_EMPLOYEE, "Новикова", "Ольга");
  v1::SyncRosterResponse done;
  REQUIRE_RPC_OK(f.CallWithToken(&Stub::SyncRoster, journal, first, &done));
  REQUIRE(done.created() == 3);
  const std::string employee = Outcomes(done)["e-1"].second;

  v1::SyncRosterRequest request = SyncOf(school_id);
  *request.add_classes() = Class("cls-5b", "5Б");
  *request.add_classes() = Class("cls-5b", "5В");             // the id twice
  *request.add_classes() = Class("cls bad", "5Г");            // a space in the id
  *request.add_classes() = Class("cls-13", "13А");            // no such grade
  *request.add_classes() = Class("cls-5b-again", "5 Б");      // the name twice
  *request.add_classes() = Class("cls-5a-new", "5А", "t-9");  // 5А is synced as cls-5a
  *request.add_people() = Person("ok-1", v1::ROLE_STUDENT, "Сидоров", "Олег", "2015-02-02",
                                 "cls-5b");
  *request.add_people() = Person("ok-1", v1::ROLE_STUDENT, "Сидорова", "Ольга", "2015-02-02",
                                 "cls-5b");
  *request.add_people() = Person(std::string(65, 'x'), v1::ROLE_STUDENT, "А", "Б", "2015-01-01",
                                 "cls-5b");
  *request.add_people() = Person("admin-1", v1::ROLE_ADMIN, "Орлов", "Пётр");
  *request.add_people() = Person("bad-name", v1::ROLE_TEACHER, "", "Пётр");
  *request.add_people() = Person("bad-date", v1::ROLE_STUDENT, "Попов", "Олег", "2015-02-31",
                                 "cls-5b");
  *request.add_people() = Person("no-date", v1::ROLE_STUDENT, "Попов", "Олег", "", "cls-5b");
  *request.add_people() = Person("no-class", v1::ROLE_STUDENT, "Лебедев", "Иван", "2015-02-02");
  *request.add_people() =
      Person("far-class", v1::ROLE_STUDENT, "Соколов", "Илья", "2015-02-02", "cls-7z");
  *request.add_people() = Person("x-1", v1::ROLE_TEACHER, "Петров", "Иван");  // x-1 is a pupil
  *request.add_people() =
      Person("lost-parent", v1::ROLE_PARENT, "Сидорова", "Анна", "", "", {"ok-1", "nobody"});
  v1::SyncRosterResponse response;
  REQUIRE_RPC_OK(f.CallWithToken(&Stub::SyncRoster, journal, request, &response));
  const std::map<std::string, std::string> expected = {
      {"cls bad", "INVALID_EXTERNAL_ID"},
      {"cls-13", "INVALID_CLASS_NAME"},
      {"cls-5b-again", "CLASS_NAME_TAKEN"},
      {"cls-5a-new", "CLASS_NAME_TAKEN"},
      {std::string(65, 'x'), "INVALID_EXTERNAL_ID"},
      {"admin-1", "INVALID_ROLE"},
      {"bad-name", "INVALID_NAME"},
      {"bad-date", "INVALID_BIRTH_DATE"},
      {"no-date", "INVALID_BIRTH_DATE"},
      {"no-class", "CLASS_REQUIRED"},
      {"far-class", "CLASS_NOT_FOUND"},
      {"x-1", "EXTERNAL_ID_CONFLICT"},
      {"lost-parent", "CHILD_NOT_FOUND"}};
  std::map<std::string, std::string> reasons = Reasons(response);
  // The repeated ids: the second entry of each is refused, under the same id as the first.
  int duplicates = 0;
  for (const v1::SyncResult& result : response.results()) {
    if (result.reason() == "DUPLICATE_EXTERNAL_ID") ++duplicates;
  }
  CHECK(duplicates == 2);
  reasons.erase("cls-5b");
  reasons.erase("ok-1");
  CHECK(reasons == expected);
  CHECK(response.rejected() == 15);
  auto outcomes = Outcomes(response);
  CHECK(response.created() == 2);  // cls-5b and ok-1, first entries of their ids
  const std::string class_5b = [&] {
    for (const v1::SyncResult& result : response.results()) {
      if (result.external_id() == "cls-5b" && result.action() == v1::SYNC_ACTION_CREATED) {
        return result.id();
      }
    }
    return std::string();
  }();
  REQUIRE_FALSE(class_5b.empty());
  CHECK(RosterOf(f, employee, school_id, class_5b).student_ids_size() == 1);

  // The parent refused for a missing child comes back with his child alone: his account (made
  // before the refusal) gets a login code now, or he could never sign in.
  v1::SyncRosterRequest back = SyncOf(school_id);
  *back.add_people() =
      Person("lost-parent", v1::ROLE_PARENT, "Сидорова", "Анна", "", "", {"ok-1"});
  v1::SyncRosterResponse returned;
  REQUIRE_RPC_OK(f.CallWithToken(&Stub::SyncRoster, journal, back, &returned));
  REQUIRE(returned.results_size() == 1);
  CHECK(returned.results(0).action() == v1::SYNC_ACTION_CREATED);
  CHECK(returned.results(0).login_code().size() == 14);
}

TEST_CASE("A roster sync keeps namesakes apart, one person under one id, a class in its grade, "
          "and a child's parents within the limit",
          "[directory][api][sync]") {
  Services s = StartBoth();
  if (!s.directory) return;
  DirectoryFixture& f = *s.directory;
  const std::string school_id = f.CreateSchool();
  const std::string journal =
      f.tokens().Service(DirectoryFixture::NewUser(), {kSyncScope}, {school_id});
  v1::SyncRosterRequest request = SyncOf(school_id);
  *request.add_classes() = Class("cls-5a", "5А");
  *request.add_people() = Person("t-1", v1::ROLE_TEACHER, "Кузнецова", "Мария");
  *request.add_people() = Person("s-1", v1::ROLE_STUDENT, "Иванов", "Пётр", "2015-03-14", "cls-5a");
  *request.add_people() = Person("s-2", v1::ROLE_STUDENT, "Орлов", "Илья", "2015-04-04", "cls-5a");
  // Two mothers of the same name in two families.
  *request.add_people() = Person("p-1", v1::ROLE_PARENT, "Иванова", "Елена", "", "", {"s-1"});
  *request.add_people() = Person("p-2", v1::ROLE_PARENT, "Иванова", "Елена", "", "", {"s-2"});
  // The same pupil twice under two ids.
  *request.add_people() = Person("s-1-again", v1::ROLE_STUDENT, "Иванов", "Пётр", "2015-03-14",
                                 "cls-5a");
  v1::SyncRosterResponse synced;
  REQUIRE_RPC_OK(f.CallWithToken(&Stub::SyncRoster, journal, request, &synced));
  auto made = Outcomes(synced);
  CHECK(made["p-1"].first == v1::SYNC_ACTION_CREATED);
  CHECK(made["p-2"].first == v1::SYNC_ACTION_CREATED);
  CHECK(made["p-1"].second != made["p-2"].second);
  CHECK(Reasons(synced) == std::map<std::string, std::string>{{"s-1-again", "DUPLICATE_PERSON"}});
  const std::string teacher = made["t-1"].second;
  std::map<std::string, std::string> parent_of;
  const v1::ClassRoster roster = RosterOf(f, teacher, school_id, made["cls-5a"].second);
  for (const v1::RosterParent& link : roster.parents()) {
    CHECK(parent_of.emplace(link.student_id(), link.parent_id()).second);
  }
  CHECK(parent_of == std::map<std::string, std::string>{{made["s-1"].second, made["p-1"].second},
                                                        {made["s-2"].second, made["p-2"].second}});

  // Later the region sends Пётр under a new id: refused, not a second Пётр. 5А cannot become 6А
  // within the year. A class teacher synced before is found by his id alone.
  v1::SyncRosterRequest later = SyncOf(school_id);
  *later.add_classes() = Class("cls-5a", "6А");
  *later.add_classes() = Class("cls-5b", "5Б", "t-1");
  *later.add_people() = Person("s-1-new", v1::ROLE_STUDENT, "Иванов", "Пётр", "2015-03-14",
                               "cls-5b");
  v1::SyncRosterResponse changed;
  REQUIRE_RPC_OK(f.CallWithToken(&Stub::SyncRoster, journal, later, &changed));
  CHECK(Reasons(changed) == std::map<std::string, std::string>{
                                {"cls-5a", "EXTERNAL_ID_CONFLICT"},
                                {"s-1-new", "EXTERNAL_ID_CONFLICT"}});
  auto outcomes = Outcomes(changed);
  REQUIRE(outcomes["cls-5b"].first == v1::SYNC_ACTION_CREATED);
  CHECK(RosterOf(f, teacher, school_id, outcomes["cls-5b"].second).class_().class_teacher_id() ==
        teacher);
  CHECK(RosterOf(f, teacher, school_id, made["cls-5a"].second).class_().display_name() == "5А");

  // A child has at most four parents: the fifth is refused and nothing of him is written.
  v1::SyncRosterRequest crowd = SyncOf(school_id);
  for (int i = 0; i < 4; ++i) {
    *crowd.add_people() = Person(absl::StrCat("p-more-", i), v1::ROLE_PARENT, "Родитель",
                                 absl::StrCat("Номер", i), "", "", {"s-2"});
  }
  v1::SyncRosterResponse crowded;
  REQUIRE_RPC_OK(f.CallWithToken(&Stub::SyncRoster, journal, crowd, &crowded));
  CHECK(crowded.created() == 3);  // with p-2, s-2 has four parents
  CHECK(Reasons(crowded) ==
        std::map<std::string, std::string>{{"p-more-3", "PARENT_LIMIT_REACHED"}});
  v1::SyncRosterResponse again;
  REQUIRE_RPC_OK(f.CallWithToken(&Stub::SyncRoster, journal, crowd, &again));
  CHECK(again.unchanged() == 3);
  CHECK(Reasons(again) ==
        std::map<std::string, std::string>{{"p-more-3", "PARENT_LIMIT_REACHED"}});

  // A class teacher the region no longer lists loses the role, and a later sync cannot make
  // him a class's teacher again by his old id.
  v1::SyncRosterRequest nobody = SyncOf(school_id);
  nobody.set_remove_missing(true);
  v1::SyncRosterResponse emptied;
  REQUIRE_RPC_OK(f.CallWithToken(&Stub::SyncRoster, journal, nobody, &emptied));
  CHECK(Outcomes(emptied)["t-1"].first == v1::SYNC_ACTION_REMOVED);
  v1::SyncRosterRequest taught = SyncOf(school_id);
  *taught.add_classes() = Class("cls-5b", "5Б", "t-1");
  v1::SyncRosterResponse refused;
  REQUIRE_RPC_OK(f.CallWithToken(&Stub::SyncRoster, journal, taught, &refused));
  REQUIRE(refused.results_size() == 1);
  CHECK(refused.results(0).action() == v1::SYNC_ACTION_UNCHANGED);
  CHECK(refused.results(0).reason() == "CLASS_TEACHER_NOT_FOUND");
}

TEST_CASE("Only a client with the sync scope that may touch the school syncs its roster, and "
          "the pupils of an earlier import are taken over, not made again",
          "[directory][api][sync]") {
  Services s = StartBoth();
  if (!s.directory) return;
  DirectoryFixture& f = *s.directory;
  testing::SchoolWorld w = f.BuildSchool();
  const std::string other_school = f.CreateSchool("Школа № 9");
  v1::SyncRosterRequest request = RegionRoster(w.school_id);
  v1::SyncRosterResponse response;
  const std::string client = DirectoryFixture::NewUser();
  const std::string unknown_school = "0190f1e2-0000-7000-8000-0000000000ee";

  // Authorisation first: another school's client, another region's, no scope, a person.
  for (const auto& [token, code, reason] : std::vector<std::tuple<std::string, ::grpc::StatusCode,
                                                                  std::string>>{
           {f.tokens().Service(client, {kSyncScope}, {other_school}),
            ::grpc::StatusCode::PERMISSION_DENIED, "SCHOOL_NOT_IN_CLIENT_SCOPE"},
           {f.tokens().Service(client, {kSyncScope}, {}, {"50"}),
            ::grpc::StatusCode::PERMISSION_DENIED, "SCHOOL_NOT_IN_CLIENT_SCOPE"},
           {f.tokens().Service(client, {"directory.events.read"}, {w.school_id}),
            ::grpc::StatusCode::PERMISSION_DENIED, "MISSING_SCOPE"},
           {f.Token(w.admin), ::grpc::StatusCode::PERMISSION_DENIED, "INTERNAL_ONLY"}}) {
    INFO(reason);
    ::grpc::Status status = f.CallWithToken(&Stub::SyncRoster, token, request, &response);
    CHECK(status.error_code() == code);
    CHECK(ReasonOf(status) == reason);
  }
  // A limited client learns nothing of a school it may not touch, not even whether it exists.
  v1::SyncRosterRequest unknown = request;
  unknown.set_school_id(unknown_school);
  ::grpc::Status status = f.CallWithToken(
      &Stub::SyncRoster, f.tokens().Service(client, {kSyncScope}, {other_school}), unknown,
      &response);
  CHECK(ReasonOf(status) == "SCHOOL_NOT_IN_CLIENT_SCOPE");
  const std::string journal = f.tokens().Service(client, {kSyncScope}, {w.school_id});
  status = f.CallWithToken(&Stub::SyncRoster, f.tokens().Service(client, {kSyncScope}), unknown,
                           &response);
  CHECK(ReasonOf(status) == "SCHOOL_NOT_FOUND");
  v1::SyncRosterRequest bad_year = request;
  bad_year.set_academic_year(1990);
  CHECK(ReasonOf(f.CallWithToken(&Stub::SyncRoster, journal, bad_year, &response)) ==
        "INVALID_ACADEMIC_YEAR");
  v1::SyncRosterRequest too_many = request;
  for (int i = 0; i < 5000; ++i) {
    *too_many.add_people() = Person(absl::StrCat("many-", i), v1::ROLE_EMPLOYEE, "А", "Б");
  }
  CHECK(ReasonOf(f.CallWithToken(&Stub::SyncRoster, journal, too_many, &response)) ==
        "TOO_MANY_ENTRIES");

  // More new people than identity makes accounts for in one call.
  v1::SyncRosterRequest staff = SyncOf(w.school_id);
  for (int i = 0; i < 2001; ++i) {
    *staff.add_people() =
        Person(absl::StrCat("staff-", i), v1::ROLE_EMPLOYEE, "Сотрудник", absl::StrCat("Номер", i));
  }
  v1::SyncRosterResponse hired;
  // A bound, not a pace: 2,001 accounts take many seconds on one core beside another test.
  auto patient =
      parta::grpc::MakeClientContext({.timeout = absl::Minutes(5), .bearer_token = journal});
  REQUIRE_RPC_OK(f.stub().SyncRoster(patient.get(), staff, &hired));
  CHECK(hired.created() == 2001);

  // A pupil the school imported from a file is found by name and birth date and keeps his
  // account; his class (made by hand as 5А) is taken over too.
  v1::ImportRosterRequest import;
  import.set_school_id(w.school_id);
  import.set_academic_year(2026);
  import.set_csv(
      "класс;фамилия;имя;отчество;дата рождения;роль\n5А;Иванов;Пётр;;14.03.2015;ученик\n");
  v1::ImportRosterResponse imported;
  REQUIRE_RPC_OK(f.Call(&Stub::ImportRoster, w.admin, import, &imported));
  REQUIRE(imported.people_size() == 1);
  REQUIRE_RPC_OK(f.CallWithToken(&Stub::SyncRoster, journal, request, &response));
  auto outcomes = Outcomes(response);
  CHECK(outcomes["s-1"] == std::pair{v1::SYNC_ACTION_UPDATED, imported.people(0).account_id()});
  CHECK(outcomes["cls-5a"] == std::pair{v1::SYNC_ACTION_UPDATED, w.class_id});
  // The world's pupil and Пётр.
  CHECK(RosterOf(f, w.admin, w.school_id, w.class_id).student_ids_size() == 2);
}

}  // namespace
}  // namespace parta::directory
