// The directory's token-paged lists (schools, members, classes, invitations, parent links, join
// requests, memberships) walked page by page, their tokens bound to the list and its scope, and
// ListEvents paged by sequence with `has_more`.

#include <catch2/catch.hpp>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/directory/tests/directory_fixture.h"

namespace parta::directory {
namespace {

using testing::DirectoryFixture;
using testing::SchoolWorld;
using Stub = v1::DirectoryService::Stub;

// A token with every character changed: not one the service made.
std::string Garbled(std::string token) {
  for (char& c : token) c = c == 'A' ? 'B' : 'A';
  return token;
}

// One page of a list: the ids it gave and the next page's token.
struct ListPage {
  std::vector<std::string> ids;
  std::string next_page_token;
};

// A list as the test walks it: `call` asks one page with a token and a size. `foreign` asks the
// same list of another scope (another school, student, caller or filter) with a token.
struct List {
  std::string name;
  int max_page_size = 0;
  std::function<::grpc::Status(const std::string& token, int size, ListPage& page)> call;
  std::function<::grpc::Status(const std::string& token)> foreign;
};

// The whole list, `size` at a time; each page but the last is full.
std::vector<std::string> Walk(const List& list, int size) {
  std::vector<std::string> all;
  std::string token;
  int pages = 0;
  do {
    ListPage page;
    ::grpc::Status status = list.call(token, size, page);
    INFO(list.name << ": " << status.error_message());
    REQUIRE(status.ok());
    REQUIRE(static_cast<int>(page.ids.size()) <= size);
    if (!page.next_page_token.empty()) CHECK(static_cast<int>(page.ids.size()) == size);
    all.insert(all.end(), page.ids.begin(), page.ids.end());
    token = page.next_page_token;
    REQUIRE(++pages < 100);
  } while (!token.empty());
  return all;
}

// Makes `user` a member of the school with `role` through an invitation of `inviter`.
void JoinAs(DirectoryFixture& f, const std::string& user, const std::string& school_id,
            const std::string& inviter_token, v1::Role role) {
  v1::CreateInvitationRequest invite;
  invite.set_school_id(school_id);
  invite.set_role(role);
  v1::CreateInvitationResponse invitation;
  REQUIRE_RPC_OK(f.CallWithToken(&Stub::CreateInvitation, inviter_token, invite, &invitation));
  v1::RedeemInvitationRequest redeem;
  redeem.set_code(invitation.code());
  v1::RedeemInvitationResponse redeemed;
  REQUIRE_RPC_OK(f.Call(&Stub::RedeemInvitation, user, redeem, &redeemed));
}

::grpc::Status AskToJoin(DirectoryFixture& f, const std::string& user, const std::string& school_id,
                         v1::Role role, const std::string& class_id = "") {
  v1::CreateJoinRequestRequest request;
  request.set_school_id(school_id);
  request.set_role(role);
  request.set_class_id(class_id);
  v1::CreateJoinRequestResponse response;
  return f.Call(&Stub::CreateJoinRequest, user, request, &response);
}

// A pending parent of the student: a new adult who redeemed the student's parent invitation.
void AddPendingParent(DirectoryFixture& f, const SchoolWorld& w) {
  v1::CreateParentInvitationRequest invite;
  invite.set_school_id(w.school_id);
  invite.set_student_id(w.student);
  v1::CreateParentInvitationResponse invitation;
  REQUIRE_RPC_OK(f.Call(&Stub::CreateParentInvitation, w.student, invite, &invitation));
  v1::RedeemInvitationRequest redeem;
  redeem.set_code(invitation.code());
  v1::RedeemInvitationResponse redeemed;
  REQUIRE_RPC_OK(f.Call(&Stub::RedeemInvitation, DirectoryFixture::NewUser(), redeem, &redeemed));
}

// Every token-paged list of the directory over a school with more of everything than a page,
// many of its items made at the same instant (the order's ties are broken by id).
std::vector<List> Lists(DirectoryFixture& f, const SchoolWorld& w, const SchoolWorld& other,
                        const std::string& wanderer) {
  std::vector<List> lists;
  lists.push_back({"ListSchools", 200,
                   [&f, wanderer](const std::string& token, int size, ListPage& page) {
                     v1::ListSchoolsRequest request;
                     request.set_page_size(size);
                     request.set_page_token(token);
                     v1::ListSchoolsResponse response;
                     ::grpc::Status status =
                         f.Call(&Stub::ListSchools, wanderer, request, &response);
                     for (const v1::School& school : response.schools())
                       page.ids.push_back(school.id());
                     page.next_page_token = response.next_page_token();
                     return status;
                   },
                   [&f, wanderer](const std::string& token) {
                     // The same caller searching: another list.
                     v1::ListSchoolsRequest request;
                     request.set_query("Школа");
                     request.set_page_token(token);
                     v1::ListSchoolsResponse response;
                     return f.Call(&Stub::ListSchools, wanderer, request, &response);
                   }});
  lists.push_back({"ListMembers", 500,
                   [&f, &w](const std::string& token, int size, ListPage& page) {
                     v1::ListMembersRequest request;
                     request.set_school_id(w.school_id);
                     request.set_page_size(size);
                     request.set_page_token(token);
                     v1::ListMembersResponse response;
                     ::grpc::Status status =
                         f.Call(&Stub::ListMembers, w.admin, request, &response);
                     for (const v1::Member& member : response.members())
                       page.ids.push_back(member.user_id());
                     page.next_page_token = response.next_page_token();
                     return status;
                   },
                   [&f, &other](const std::string& token) {
                     v1::ListMembersRequest request;
                     request.set_school_id(other.school_id);
                     request.set_page_token(token);
                     v1::ListMembersResponse response;
                     return f.Call(&Stub::ListMembers, other.admin, request, &response);
                   }});
  lists.push_back({"ListClasses", 500,
                   [&f, &w](const std::string& token, int size, ListPage& page) {
                     v1::ListClassesRequest request;
                     request.set_school_id(w.school_id);
                     request.set_include_archived(true);
                     request.set_page_size(size);
                     request.set_page_token(token);
                     v1::ListClassesResponse response;
                     ::grpc::Status status =
                         f.Call(&Stub::ListClasses, w.student, request, &response);
                     for (const v1::Class& c : response.classes()) page.ids.push_back(c.id());
                     page.next_page_token = response.next_page_token();
                     return status;
                   },
                   [&f, &w](const std::string& token) {
                     // The same school and caller without the archived classes: another list.
                     v1::ListClassesRequest request;
                     request.set_school_id(w.school_id);
                     request.set_page_token(token);
                     v1::ListClassesResponse response;
                     return f.Call(&Stub::ListClasses, w.student, request, &response);
                   }});
  lists.push_back({"ListInvitations", 200,
                   [&f, &w](const std::string& token, int size, ListPage& page) {
                     v1::ListInvitationsRequest request;
                     request.set_school_id(w.school_id);
                     request.set_include_inactive(true);
                     request.set_page_size(size);
                     request.set_page_token(token);
                     v1::ListInvitationsResponse response;
                     ::grpc::Status status =
                         f.Call(&Stub::ListInvitations, w.admin, request, &response);
                     for (const v1::Invitation& i : response.invitations())
                       page.ids.push_back(i.id());
                     page.next_page_token = response.next_page_token();
                     return status;
                   },
                   [&f, &other](const std::string& token) {
                     v1::ListInvitationsRequest request;
                     request.set_school_id(other.school_id);
                     request.set_include_inactive(true);
                     request.set_page_token(token);
                     v1::ListInvitationsResponse response;
                     return f.Call(&Stub::ListInvitations, other.admin, request, &response);
                   }});
  lists.push_back({"ListParentLinks", 200,
                   [&f, &w](const std::string& token, int size, ListPage& page) {
                     v1::ListParentLinksRequest request;
                     request.set_school_id(w.school_id);
                     request.set_student_id(w.student);
                     request.set_page_size(size);
                     request.set_page_token(token);
                     v1::ListParentLinksResponse response;
                     ::grpc::Status status =
                         f.Call(&Stub::ListParentLinks, w.teacher, request, &response);
                     for (const v1::ParentLink& l : response.links()) page.ids.push_back(l.id());
                     page.next_page_token = response.next_page_token();
                     return status;
                   },
                   [&f, &other](const std::string& token) {
                     v1::ListParentLinksRequest request;
                     request.set_school_id(other.school_id);
                     request.set_student_id(other.student);
                     request.set_page_token(token);
                     v1::ListParentLinksResponse response;
                     return f.Call(&Stub::ListParentLinks, other.teacher, request, &response);
                   }});
  lists.push_back({"ListJoinRequests", 200,
                   [&f, &w](const std::string& token, int size, ListPage& page) {
                     v1::ListJoinRequestsRequest request;
                     request.set_school_id(w.school_id);
                     request.set_page_size(size);
                     request.set_page_token(token);
                     v1::ListJoinRequestsResponse response;
                     ::grpc::Status status =
                         f.Call(&Stub::ListJoinRequests, w.admin, request, &response);
                     for (const v1::JoinRequest& r : response.requests())
                       page.ids.push_back(r.id());
                     page.next_page_token = response.next_page_token();
                     return status;
                   },
                   [&f, &other](const std::string& token) {
                     v1::ListJoinRequestsRequest request;
                     request.set_school_id(other.school_id);
                     request.set_page_token(token);
                     v1::ListJoinRequestsResponse response;
                     return f.Call(&Stub::ListJoinRequests, other.admin, request, &response);
                   }});
  lists.push_back(
      {"ListMyJoinRequests", 200,
       [&f, wanderer](const std::string& token, int size, ListPage& page) {
         v1::ListMyJoinRequestsRequest request;
         request.set_page_size(size);
         request.set_page_token(token);
         v1::ListMyJoinRequestsResponse response;
         ::grpc::Status status = f.Call(&Stub::ListMyJoinRequests, wanderer, request, &response);
         for (const v1::JoinRequest& r : response.requests()) page.ids.push_back(r.id());
         page.next_page_token = response.next_page_token();
         return status;
       },
       [&f](const std::string& token) {
         v1::ListMyJoinRequestsRequest request;
         request.set_page_token(token);
         v1::ListMyJoinRequestsResponse response;
         return f.Call(&Stub::ListMyJoinRequests, DirectoryFixture::NewUser(), request, &response);
       }});
  lists.push_back({"ListMemberships", 500,
                   [&f, wanderer](const std::string& token, int size, ListPage& page) {
                     v1::ListMembershipsRequest request;
                     request.set_page_size(size);
                     request.set_page_token(token);
                     v1::ListMembershipsResponse response;
                     ::grpc::Status status =
                         f.Call(&Stub::ListMemberships, wanderer, request, &response);
                     for (const v1::Membership& m : response.memberships())
                       page.ids.push_back(m.school_id());
                     page.next_page_token = response.next_page_token();
                     return status;
                   },
                   [&f, &w](const std::string& token) {
                     v1::ListMembershipsRequest request;
                     request.set_page_token(token);
                     v1::ListMembershipsResponse response;
                     return f.Call(&Stub::ListMemberships, w.admin, request, &response);
                   }});
  lists.push_back({"ListSubjectMemberships", 500,
                   [&f, wanderer](const std::string& token, int size, ListPage& page) {
                     v1::ListSubjectMembershipsRequest request;
                     request.set_subject(wanderer);
                     request.set_page_size(size);
                     request.set_page_token(token);
                     v1::ListSubjectMembershipsResponse response;
                     ::grpc::Status status = f.CallWithToken(&Stub::ListSubjectMemberships,
                                                             f.ServiceToken(), request, &response);
                     for (const v1::Membership& m : response.memberships())
                       page.ids.push_back(m.school_id());
                     page.next_page_token = response.next_page_token();
                     return status;
                   },
                   [&f, &w](const std::string& token) {
                     v1::ListSubjectMembershipsRequest request;
                     request.set_subject(w.admin);
                     request.set_page_token(token);
                     v1::ListSubjectMembershipsResponse response;
                     return f.CallWithToken(&Stub::ListSubjectMemberships, f.ServiceToken(),
                                            request, &response);
                   }});
  return lists;
}

TEST_CASE("Every token-paged list walks page by page, each item once, in the list's order",
          "[directory][api][paging]") {
  PARTA_DIRECTORY_FIXTURE(f);
  SchoolWorld w = f->BuildSchool();
  SchoolWorld other = f->BuildSchool("Школа № 7");
  SchoolWorld third = f->BuildSchool("Школа № 9");

  // Classes of two years, one archived; invitations, join requests and parent links, most of
  // them at one instant.
  for (const auto& [grade, letter] : std::vector<std::pair<int, std::string>>{
           {1, "А"}, {1, "Б"}, {6, "А"}, {0, "Подготовительная группа"}, {11, "В"}}) {
    f->CreateClass(w.school_id, w.admin, grade, letter);
  }
  v1::CreateClassRequest next_year;
  next_year.set_school_id(w.school_id);
  next_year.mutable_class_()->set_grade(2);
  next_year.mutable_class_()->set_letter("А");
  next_year.mutable_class_()->set_academic_year(2027);
  v1::CreateClassResponse made;
  REQUIRE_RPC_OK(f->Call(&Stub::CreateClass, w.admin, next_year, &made));
  v1::ArchiveClassRequest archive;
  archive.set_school_id(w.school_id);
  archive.set_class_id(f->CreateClass(w.school_id, w.admin, 3, "Г"));
  v1::ArchiveClassResponse archived;
  REQUIRE_RPC_OK(f->Call(&Stub::ArchiveClass, w.admin, archive, &archived));
  for (int i = 0; i < 4; ++i) {
    v1::CreateInvitationRequest invite;
    invite.set_school_id(w.school_id);
    invite.set_role(v1::ROLE_TEACHER);
    v1::CreateInvitationResponse invitation;
    REQUIRE_RPC_OK(f->Call(&Stub::CreateInvitation, w.admin, invite, &invitation));
    REQUIRE_RPC_OK(AskToJoin(*f, DirectoryFixture::NewUser(), w.school_id, v1::ROLE_EMPLOYEE));
  }
  f->clock().Advance(absl::Minutes(1));
  AddPendingParent(*f, w);
  AddPendingParent(*f, w);
  for (int i = 0; i < 3; ++i) {
    REQUIRE_RPC_OK(AskToJoin(*f, DirectoryFixture::NewUser(), w.school_id, v1::ROLE_TEACHER));
  }

  // One person in three schools, with four join requests of his own.
  const std::string wanderer = DirectoryFixture::NewUser();
  JoinAs(*f, wanderer, w.school_id, f->Token(w.admin), v1::ROLE_TEACHER);
  JoinAs(*f, wanderer, other.school_id, f->Token(other.admin), v1::ROLE_EMPLOYEE);
  JoinAs(*f, wanderer, third.school_id, f->Token(third.admin), v1::ROLE_EMPLOYEE);
  REQUIRE_RPC_OK(AskToJoin(*f, wanderer, w.school_id, v1::ROLE_EMPLOYEE));
  REQUIRE_RPC_OK(AskToJoin(*f, wanderer, other.school_id, v1::ROLE_TEACHER));
  f->clock().Advance(absl::Seconds(1));
  REQUIRE_RPC_OK(AskToJoin(*f, wanderer, third.school_id, v1::ROLE_TEACHER));
  REQUIRE_RPC_OK(AskToJoin(*f, wanderer, third.school_id, v1::ROLE_STUDENT, third.class_id));

  for (const List& list : Lists(*f, w, other, wanderer)) {
    INFO(list.name);
    ListPage everything;
    REQUIRE_RPC_OK(list.call("", list.max_page_size, everything));
    CHECK(everything.next_page_token.empty());
    REQUIRE(everything.ids.size() >= 3);
    CHECK(std::set<std::string>(everything.ids.begin(), everything.ids.end()).size() ==
          everything.ids.size());
    for (int size : {1, 2, 3}) {
      INFO("page size " << size);
      CHECK(Walk(list, size) == everything.ids);
    }
    ListPage defaults;  // page size 0: the default, larger than these lists
    REQUIRE_RPC_OK(list.call("", 0, defaults));
    CHECK(defaults.ids == everything.ids);
    CHECK(defaults.next_page_token.empty());
  }

  // The orders the protos promise.
  v1::ListClassesRequest classes_request;
  classes_request.set_school_id(w.school_id);
  classes_request.set_include_archived(true);
  classes_request.set_page_size(2);
  std::vector<std::string> shown;
  do {
    v1::ListClassesResponse classes;
    REQUIRE_RPC_OK(f->Call(&Stub::ListClasses, w.teacher, classes_request, &classes));
    for (const v1::Class& c : classes.classes()) {
      shown.push_back(absl::StrCat(c.academic_year(), " ", c.display_name()));
    }
    classes_request.set_page_token(classes.next_page_token());
  } while (!classes_request.page_token().empty());
  const std::vector<std::string> expected = {"2027 2А", "2026 Подготовительная группа",
                                             "2026 1А", "2026 1Б",
                                             "2026 3Г", "2026 5А",
                                             "2026 6А", "2026 11В"};
  CHECK(shown == expected);
  v1::ListMyJoinRequestsRequest mine_request;
  mine_request.set_page_size(1);
  v1::ListMyJoinRequestsResponse mine;
  REQUIRE_RPC_OK(f->Call(&Stub::ListMyJoinRequests, wanderer, mine_request, &mine));
  REQUIRE(mine.requests_size() == 1);
  CHECK(mine.requests(0).school_id() == third.school_id);  // newest first
}

TEST_CASE("A page token serves only its own list and scope, and page sizes are bounded",
          "[directory][api][paging]") {
  PARTA_DIRECTORY_FIXTURE(f);
  SchoolWorld w = f->BuildSchool();
  SchoolWorld other = f->BuildSchool("Школа № 7");
  SchoolWorld third = f->BuildSchool("Школа № 9");
  for (int i = 0; i < 2; ++i) {
    f->CreateClass(w.school_id, w.admin, 7 + i, "А");
    f->CreateClass(other.school_id, other.admin, 7 + i, "А");
    REQUIRE_RPC_OK(AskToJoin(*f, DirectoryFixture::NewUser(), w.school_id, v1::ROLE_TEACHER));
    REQUIRE_RPC_OK(AskToJoin(*f, DirectoryFixture::NewUser(), other.school_id, v1::ROLE_TEACHER));
  }
  AddPendingParent(*f, w);
  AddPendingParent(*f, other);
  const std::string wanderer = DirectoryFixture::NewUser();
  for (const SchoolWorld* school : {&w, &other, &third}) {
    JoinAs(*f, wanderer, school->school_id, f->Token(school->admin), v1::ROLE_EMPLOYEE);
    JoinAs(*f, w.admin, school->school_id, f->Token(school->admin), v1::ROLE_TEACHER);
    REQUIRE_RPC_OK(AskToJoin(*f, wanderer, school->school_id, v1::ROLE_TEACHER));
  }

  std::vector<List> lists = Lists(*f, w, other, wanderer);
  std::vector<std::string> tokens;  // a second page's token of each list
  for (const List& list : lists) {
    INFO(list.name);
    ListPage first;
    REQUIRE_RPC_OK(list.call("", 1, first));
    REQUIRE_FALSE(first.next_page_token.empty());
    tokens.push_back(first.next_page_token);
    // Its own list and scope take it.
    ListPage second;
    REQUIRE_RPC_OK(list.call(first.next_page_token, 1, second));
    CHECK(second.ids != first.ids);
    // A garbled token, and the token with another scope, are refused.
    CHECK_RPC_ERROR(list.call(Garbled(first.next_page_token), 1, second), INVALID_ARGUMENT,
                    "INVALID_PAGE_TOKEN");
    CHECK_RPC_ERROR(list.call("not a token", 1, second), INVALID_ARGUMENT, "INVALID_PAGE_TOKEN");
    CHECK_RPC_ERROR(list.foreign(first.next_page_token), INVALID_ARGUMENT, "INVALID_PAGE_TOKEN");
    // The foreign scope itself is served (with no token): authorisation is unchanged.
    REQUIRE_RPC_OK(list.foreign(""));
    // ListPage sizes: over the maximum, or negative, are refused.
    CHECK_RPC_ERROR(list.call("", list.max_page_size + 1, second), INVALID_ARGUMENT,
                    "INVALID_PAGE_SIZE");
    CHECK_RPC_ERROR(list.call("", -1, second), INVALID_ARGUMENT, "INVALID_PAGE_SIZE");
  }
  // A token of one list is refused by every other list. ListMemberships and
  // ListSubjectMemberships are one list, an account's memberships, asked by the account or by a
  // service: for the same account a token of one serves the other.
  auto memberships = [](const List& list) { return absl::StrContains(list.name, "Memberships"); };
  for (size_t i = 0; i < lists.size(); ++i) {
    for (size_t j = 0; j < lists.size(); ++j) {
      if (i == j || (memberships(lists[i]) && memberships(lists[j]))) continue;
      INFO(lists[j].name << "'s token given to " << lists[i].name);
      ListPage page;
      CHECK_RPC_ERROR(lists[i].call(tokens[j], 1, page), INVALID_ARGUMENT, "INVALID_PAGE_TOKEN");
    }
  }
  // A foreign school's list stays closed, whatever the token.
  v1::ListInvitationsRequest foreign;
  foreign.set_school_id(other.school_id);
  v1::ListInvitationsResponse refused;
  CHECK_RPC_ERROR(f->Call(&Stub::ListInvitations, w.teacher, foreign, &refused), NOT_FOUND,
                  "SCHOOL_NOT_FOUND");
  v1::ListParentLinksRequest links;
  links.set_school_id(w.school_id);
  links.set_student_id(other.student);
  v1::ListParentLinksResponse no_links;
  CHECK_RPC_ERROR(f->Call(&Stub::ListParentLinks, w.admin, links, &no_links), NOT_FOUND,
                  "MEMBER_NOT_FOUND");
}

TEST_CASE("ListEvents pages by sequence: has_more until the last event",
          "[directory][api][paging]") {
  PARTA_DIRECTORY_FIXTURE(f);
  SchoolWorld w = f->BuildSchool();
  v1::ListEventsRequest request;
  request.set_school_id(w.school_id);
  request.set_page_size(1000);
  v1::ListEventsResponse everything;
  REQUIRE_RPC_OK(f->CallWithToken(&Stub::ListEvents, f->ServiceToken(), request, &everything));
  CHECK_FALSE(everything.has_more());
  const int total = everything.events_size();
  REQUIRE(total >= 8);

  for (int size : {1, 3, total, total + 1}) {
    INFO("page size " << size);
    std::vector<int64_t> sequences;
    request.set_after_sequence(0);
    request.set_page_size(size);
    int pages = 0;
    bool more = true;
    while (more) {
      v1::ListEventsResponse page;
      REQUIRE_RPC_OK(f->CallWithToken(&Stub::ListEvents, f->ServiceToken(), request, &page));
      REQUIRE(page.events_size() <= size);
      // More follow exactly when this page is full and the log goes on.
      CHECK(page.has_more() ==
            (sequences.size() + page.events_size() < static_cast<size_t>(total)));
      for (const v1::StreamedEvent& e : page.events()) sequences.push_back(e.sequence());
      if (page.events_size() > 0) request.set_after_sequence(sequences.back());
      more = page.has_more();
      REQUIRE(++pages < 100);
    }
    std::vector<int64_t> expected;
    for (int64_t i = 1; i <= total; ++i) expected.push_back(i);
    CHECK(sequences == expected);
  }
}

}  // namespace
}  // namespace parta::directory
