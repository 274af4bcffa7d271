// Bounded lists: every List… RPC but the logs read by sequence pages with `page_size` and an
// opaque `page_token` valid only for the list it came from.

#include <algorithm>
#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

#include "libs/core/random.h"
#include "libs/grpc/client.h"
#include "parta/events/v1/events.grpc.pb.h"
#include "services/messaging/tests/messaging_fixture.h"

namespace parta::messaging {
namespace {

using directory::testing::SchoolWorld;
using testing::MessagingFixture;
namespace dir = directory::v1;
using Stub = v1::MessagingService::Stub;

// A token whose every character is changed: not one the service made.
std::string Garbled(std::string token) {
  for (char& c : token) c = c == 'A' ? 'B' : 'A';
  return token;
}

// Every member of the chat, walked `page_size` at a time; fails the test on an error.
std::vector<std::string> WalkMembers(MessagingFixture& f, const std::string& caller,
                                     const std::string& chat_id, int page_size, int* pages) {
  std::vector<std::string> seen;
  v1::ListChatMembersRequest request;
  request.set_chat_id(chat_id);
  request.set_page_size(page_size);
  *pages = 0;
  do {
    v1::ListChatMembersResponse page;
    REQUIRE(f.Call(&Stub::ListChatMembers, caller, request, &page).ok());
    ++*pages;
    REQUIRE(page.members_size() <= page_size);
    for (const v1::ChatMember& member : page.members()) seen.push_back(member.user_id());
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty() && *pages < 100);
  return seen;
}

// A new parent of `student`, confirmed by the class teacher, in the class's parents' chat.
std::string AddParent(MessagingFixture& f, const SchoolWorld& w, const std::string& student) {
  dir::CreateParentInvitationRequest invite;
  invite.set_school_id(w.school_id);
  invite.set_student_id(student);
  dir::CreateParentInvitationResponse invitation;
  REQUIRE(
      f.directory()
          .Call(&dir::DirectoryService::Stub::CreateParentInvitation, student, invite, &invitation)
          .ok());
  std::string parent = directory::testing::DirectoryFixture::NewUser();
  dir::RedeemInvitationRequest redeem;
  redeem.set_code(invitation.code());
  dir::RedeemInvitationResponse redeemed;
  REQUIRE(f.directory()
              .Call(&dir::DirectoryService::Stub::RedeemInvitation, parent, redeem, &redeemed)
              .ok());
  dir::ConfirmParentLinkRequest confirm;
  confirm.set_school_id(w.school_id);
  confirm.set_link_id(redeemed.parent_link().id());
  dir::ConfirmParentLinkResponse link;
  REQUIRE(f.directory()
              .Call(&dir::DirectoryService::Stub::ConfirmParentLink, w.teacher, confirm, &link)
              .ok());
  f.WaitForChat(parent, v1::CHAT_KIND_CLASS_PARENTS, w.class_id);
  return parent;
}

TEST_CASE("ListChatMembers walks a chat longer than a page with tokens bound to the chat",
          "[messaging][api]") {
  PARTA_MESSAGING_FIXTURE(f);
  SchoolWorld w = f->directory().BuildSchool();
  for (int i = 0; i < 5; ++i) {
    f->directory().Join(w.school_id, f->directory().Token(w.teacher), dir::ROLE_STUDENT,
                        w.class_id);
  }
  f->WaitForRoster(w.school_id);
  v1::Chat chat = f->WaitForChat(w.student, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id);

  v1::ListChatMembersRequest whole;
  whole.set_chat_id(chat.id());
  whole.set_page_size(1000);
  v1::ListChatMembersResponse all;
  REQUIRE(f->Call(&Stub::ListChatMembers, w.student, whole, &all).ok());
  CHECK(all.next_page_token().empty());
  REQUIRE(all.members_size() >= 7);  // six students and the class teacher
  std::vector<std::string> expected;
  for (const v1::ChatMember& member : all.members()) expected.push_back(member.user_id());
  CHECK(std::is_sorted(expected.begin(), expected.end()));

  int pages = 0;
  std::vector<std::string> walked = WalkMembers(*f, w.student, chat.id(), 3, &pages);
  CHECK(walked == expected);  // every member once, in account id order
  CHECK(pages == (static_cast<int>(expected.size()) + 2) / 3);

  // A page size that divides the list exactly ends without an empty page.
  std::vector<std::string> exact =
      WalkMembers(*f, w.student, chat.id(), static_cast<int>(expected.size()), &pages);
  CHECK(exact == expected);
  CHECK(pages == 1);

  v1::ListChatMembersRequest first;
  first.set_chat_id(chat.id());
  first.set_page_size(2);
  v1::ListChatMembersResponse page;
  REQUIRE(f->Call(&Stub::ListChatMembers, w.student, first, &page).ok());
  const std::string token = page.next_page_token();
  REQUIRE_FALSE(token.empty());
  CHECK(token.find(page.members(1).user_id()) == std::string::npos);

  // The token is the chat's: another chat's listing refuses it; a garbled one is refused.
  v1::Chat channel = f->WaitForChat(w.student, v1::CHAT_KIND_CHANNEL);
  v1::ListChatMembersRequest elsewhere;
  elsewhere.set_chat_id(channel.id());
  elsewhere.set_page_token(token);
  v1::ListChatMembersResponse refused;
  CHECK_REFUSED(f->Call(&Stub::ListChatMembers, w.student, elsewhere, &refused), INVALID_ARGUMENT,
                "INVALID_PAGE_TOKEN");
  first.set_page_token(Garbled(token));
  CHECK_REFUSED(f->Call(&Stub::ListChatMembers, w.student, first, &refused), INVALID_ARGUMENT,
                "INVALID_PAGE_TOKEN");
  first.set_page_token(page.members(1).user_id());  // a raw id is no token
  CHECK_REFUSED(f->Call(&Stub::ListChatMembers, w.student, first, &refused), INVALID_ARGUMENT,
                "INVALID_PAGE_TOKEN");

  // Page sizes: 0 is the default (100), 1,000 at most.
  first.clear_page_token();
  first.set_page_size(0);
  REQUIRE(f->Call(&Stub::ListChatMembers, w.student, first, &page).ok());
  CHECK(page.members_size() == static_cast<int>(expected.size()));
  CHECK(page.next_page_token().empty());
  first.set_page_size(1001);
  CHECK_REFUSED(f->Call(&Stub::ListChatMembers, w.student, first, &refused), INVALID_ARGUMENT,
                "INVALID_PAGE");
  first.set_page_size(-1);
  CHECK_REFUSED(f->Call(&Stub::ListChatMembers, w.student, first, &refused), INVALID_ARGUMENT,
                "INVALID_PAGE");
  // A valid token opens nothing to someone who is no member.
  first.set_page_size(2);
  first.set_page_token(token);
  CHECK_REFUSED(f->Call(&Stub::ListChatMembers, directory::testing::DirectoryFixture::NewUser(),
                        first, &refused),
                PERMISSION_DENIED, "NOT_CHAT_MEMBER");
}

TEST_CASE("ListChats pages by chat id, every chat once while messages arrive", "[messaging][api]") {
  PARTA_MESSAGING_FIXTURE(f);
  SchoolWorld w = f->directory().BuildSchool();
  f->WaitForChat(w.student, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id);
  f->WaitForChat(w.student, v1::CHAT_KIND_CHANNEL);
  for (int i = 0; i < 4; ++i) {
    v1::CreateGroupChatRequest create;
    create.set_school_id(w.school_id);
    create.set_title("Кружок " + std::to_string(i + 1));
    create.add_member_ids(w.student);
    v1::Chat group;
    REQUIRE(f->Call(&Stub::CreateGroupChat, w.teacher, create, &group).ok());
  }
  f->WaitForRoster(w.school_id);

  v1::ListChatsRequest whole;
  whole.set_page_size(500);
  v1::ListChatsResponse all;
  REQUIRE(f->Call(&Stub::ListChats, w.student, whole, &all).ok());
  CHECK(all.next_page_token().empty());
  REQUIRE(all.chats_size() >= 6);
  std::vector<std::string> expected;
  for (const v1::Chat& chat : all.chats()) expected.push_back(chat.id());
  CHECK(std::is_sorted(expected.begin(), expected.end()));

  // Walked two at a time, with a message in the last chat after each page (it would jump to
  // the front of an order by activity): every chat once, in id order, one version throughout.
  v1::ListChatsRequest request;
  request.set_page_size(2);
  std::vector<std::string> walked;
  int pages = 0;
  do {
    v1::ListChatsResponse page;
    REQUIRE(f->Call(&Stub::ListChats, w.student, request, &page).ok());
    ++pages;
    REQUIRE(page.chats_size() <= 2);
    CHECK(page.chat_list_version() == all.chat_list_version());
    for (const v1::Chat& chat : page.chats()) walked.push_back(chat.id());
    f->Send(w.teacher, expected.back(), "Новость " + std::to_string(pages));
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty() && pages < 100);
  CHECK(walked == expected);
  CHECK(pages == (static_cast<int>(expected.size()) + 1) / 2);

  // The token is the caller's list: another person's listing refuses it.
  request.clear_page_token();
  v1::ListChatsResponse page;
  REQUIRE(f->Call(&Stub::ListChats, w.student, request, &page).ok());
  REQUIRE_FALSE(page.next_page_token().empty());
  v1::ListChatsRequest stolen;
  stolen.set_page_token(page.next_page_token());
  v1::ListChatsResponse refused;
  CHECK_REFUSED(f->Call(&Stub::ListChats, w.teacher, stolen, &refused), INVALID_ARGUMENT,
                "INVALID_PAGE_TOKEN");
  stolen.set_page_token(Garbled(page.next_page_token()));
  CHECK_REFUSED(f->Call(&Stub::ListChats, w.student, stolen, &refused), INVALID_ARGUMENT,
                "INVALID_PAGE_TOKEN");
  stolen.set_page_token(page.chats(1).id());
  CHECK_REFUSED(f->Call(&Stub::ListChats, w.student, stolen, &refused), INVALID_ARGUMENT,
                "INVALID_PAGE_TOKEN");
  stolen.clear_page_token();
  stolen.set_page_size(501);
  CHECK_REFUSED(f->Call(&Stub::ListChats, w.student, stolen, &refused), INVALID_ARGUMENT,
                "INVALID_PAGE");
  stolen.set_page_size(0);  // the default, 100: one page here
  REQUIRE(f->Call(&Stub::ListChats, w.student, stolen, &page).ok());
  CHECK(page.chats_size() == static_cast<int>(expected.size()));
  CHECK(page.next_page_token().empty());
}

TEST_CASE("ListAcknowledgements pages the acknowledged, then the pending readers",
          "[messaging][api]") {
  PARTA_MESSAGING_FIXTURE(f);
  SchoolWorld w = f->directory().BuildSchool();
  v1::Chat parents = f->WaitForChat(w.parent, v1::CHAT_KIND_CLASS_PARENTS, w.class_id);
  std::set<std::string> pending_parents;
  for (int i = 0; i < 3; ++i) pending_parents.insert(AddParent(*f, w, w.student));

  v1::SendMessageRequest ask;
  ask.set_chat_id(parents.id());
  ask.set_request_id(NewUuidV7(absl::Now()));
  ask.mutable_text()->set_body("Собрание в четверг. Прошу подтвердить.");
  ask.set_request_acknowledgement(true);
  v1::Message announcement;
  REQUIRE(f->Call(&Stub::SendMessage, w.teacher, ask, &announcement).ok());
  v1::Message other;
  ask.set_request_id(NewUuidV7(absl::Now()));
  REQUIRE(f->Call(&Stub::SendMessage, w.teacher, ask, &other).ok());

  v1::AcknowledgeMessageRequest ack;
  ack.set_chat_id(parents.id());
  ack.set_message_id(announcement.id());
  v1::Message acknowledged;
  REQUIRE(f->Call(&Stub::AcknowledgeMessage, w.parent, ack, &acknowledged).ok());
  std::string second = *pending_parents.begin();
  f->clock().Advance(absl::Seconds(1));
  REQUIRE(f->Call(&Stub::AcknowledgeMessage, second, ack, &acknowledged).ok());
  pending_parents.erase(second);

  v1::ListAcknowledgementsRequest list;
  list.set_chat_id(parents.id());
  list.set_message_id(announcement.id());
  list.set_page_size(1000);
  v1::ListAcknowledgementsResponse whole;
  REQUIRE(f->Call(&Stub::ListAcknowledgements, w.teacher, list, &whole).ok());
  CHECK(whole.next_page_token().empty());
  REQUIRE(whole.acknowledged_size() == 2);
  CHECK(whole.acknowledged(0).user_id() == w.parent);
  CHECK(whole.acknowledged(1).user_id() == second);
  REQUIRE(whole.pending_user_ids_size() == 2);
  CHECK(std::set<std::string>(whole.pending_user_ids().begin(), whole.pending_user_ids().end()) ==
        pending_parents);

  for (int page_size : {1, 3}) {
    INFO("page size " << page_size);
    list.set_page_size(page_size);
    list.clear_page_token();
    std::vector<std::string> acknowledgers, pending;
    int pages = 0;
    do {
      v1::ListAcknowledgementsResponse page;
      REQUIRE(f->Call(&Stub::ListAcknowledgements, w.teacher, list, &page).ok());
      ++pages;
      REQUIRE(page.acknowledged_size() + page.pending_user_ids_size() <= page_size);
      if (page.acknowledged_size() > 0) CHECK(pending.empty());  // acknowledged come first
      for (const v1::Acknowledgement& a : page.acknowledged()) acknowledgers.push_back(a.user_id());
      for (const std::string& id : page.pending_user_ids()) pending.push_back(id);
      list.set_page_token(page.next_page_token());
    } while (!list.page_token().empty() && pages < 100);
    CHECK(acknowledgers == std::vector<std::string>{w.parent, second});
    CHECK(pending == std::vector<std::string>(whole.pending_user_ids().begin(),
                                              whole.pending_user_ids().end()));
    CHECK(pages == (4 + page_size - 1) / page_size);
  }

  // A token of one message is refused for another; garbled tokens and sizes too.
  list.set_page_size(1);
  list.clear_page_token();
  v1::ListAcknowledgementsResponse page;
  REQUIRE(f->Call(&Stub::ListAcknowledgements, w.teacher, list, &page).ok());
  REQUIRE_FALSE(page.next_page_token().empty());
  v1::ListAcknowledgementsRequest elsewhere = list;
  elsewhere.set_message_id(other.id());
  elsewhere.set_page_token(page.next_page_token());
  v1::ListAcknowledgementsResponse refused;
  CHECK_REFUSED(f->Call(&Stub::ListAcknowledgements, w.teacher, elsewhere, &refused),
                INVALID_ARGUMENT, "INVALID_PAGE_TOKEN");
  list.set_page_token(Garbled(page.next_page_token()));
  CHECK_REFUSED(f->Call(&Stub::ListAcknowledgements, w.teacher, list, &refused), INVALID_ARGUMENT,
                "INVALID_PAGE_TOKEN");
  list.clear_page_token();
  list.set_page_size(1001);
  CHECK_REFUSED(f->Call(&Stub::ListAcknowledgements, w.teacher, list, &refused), INVALID_ARGUMENT,
                "INVALID_PAGE");
}

TEST_CASE("ListMessageVersions and ListReports page with tokens of their own list",
          "[messaging][api]") {
  PARTA_MESSAGING_FIXTURE(f);
  SchoolWorld w = f->directory().BuildSchool();
  std::string classmate = f->directory().Join(w.school_id, f->directory().Token(w.teacher),
                                              dir::ROLE_STUDENT, w.class_id);
  v1::Chat chat = f->WaitForChat(classmate, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id);

  // Five edits make five earlier versions.
  v1::Message draft = f->Send(w.student, chat.id(), "Версия 0");
  v1::Message plain = f->Send(w.student, chat.id(), "Другое");
  for (int i = 1; i <= 5; ++i) {
    v1::EditMessageRequest edit;
    edit.set_chat_id(chat.id());
    edit.set_message_id(draft.id());
    edit.mutable_text()->set_body("Версия " + std::to_string(i));
    edit.mutable_update_mask()->add_paths("text");
    v1::Message edited;
    REQUIRE(f->Call(&Stub::EditMessage, w.student, edit, &edited).ok());
  }
  v1::ListMessageVersionsRequest versions;
  versions.set_chat_id(chat.id());
  versions.set_message_id(draft.id());
  versions.set_page_size(2);
  std::vector<std::string> bodies;
  int pages = 0;
  std::string versions_token;
  do {
    v1::ListMessageVersionsResponse page;
    REQUIRE(f->Call(&Stub::ListMessageVersions, w.teacher, versions, &page).ok());
    ++pages;
    REQUIRE(page.versions_size() <= 2);
    for (const v1::MessageVersion& v : page.versions()) bodies.push_back(v.content().text().body());
    if (versions_token.empty()) versions_token = page.next_page_token();
    versions.set_page_token(page.next_page_token());
  } while (!versions.page_token().empty() && pages < 100);
  CHECK(bodies ==
        std::vector<std::string>{"Версия 0", "Версия 1", "Версия 2", "Версия 3", "Версия 4"});
  CHECK(pages == 3);
  v1::ListMessageVersionsResponse refused_versions;
  versions.set_message_id(plain.id());
  versions.set_page_token(versions_token);
  CHECK_REFUSED(f->Call(&Stub::ListMessageVersions, w.teacher, versions, &refused_versions),
                INVALID_ARGUMENT, "INVALID_PAGE_TOKEN");
  versions.set_message_id(draft.id());
  versions.set_page_token(Garbled(versions_token));
  CHECK_REFUSED(f->Call(&Stub::ListMessageVersions, w.teacher, versions, &refused_versions),
                INVALID_ARGUMENT, "INVALID_PAGE_TOKEN");
  versions.clear_page_token();
  versions.set_page_size(201);
  CHECK_REFUSED(f->Call(&Stub::ListMessageVersions, w.teacher, versions, &refused_versions),
                INVALID_ARGUMENT, "INVALID_PAGE");

  // Five reports, two of them resolved: open ones first (oldest first), then the resolved.
  std::vector<std::string> report_ids;
  for (int i = 0; i < 5; ++i) {
    v1::Message rude = f->Send(w.student, chat.id(), "Грубость " + std::to_string(i));
    v1::ReportMessageRequest report;
    report.set_chat_id(chat.id());
    report.set_message_id(rude.id());
    report.set_reason("Оскорбление");
    v1::Report filed;
    REQUIRE(f->Call(&Stub::ReportMessage, classmate, report, &filed).ok());
    report_ids.push_back(filed.id());
    f->clock().Advance(absl::Seconds(1));
  }
  for (int i : {1, 3}) {
    v1::ResolveReportRequest resolve;
    resolve.set_school_id(w.school_id);
    resolve.set_report_id(report_ids[i]);
    resolve.set_action(v1::REPORT_ACTION_KEEP);
    v1::Report resolved;
    REQUIRE(f->Call(&Stub::ResolveReport, w.admin, resolve, &resolved).ok());
  }
  const std::vector<std::string> queue_order = {report_ids[0], report_ids[2], report_ids[4],
                                                report_ids[3], report_ids[1]};
  for (bool open_only : {false, true}) {
    INFO("open only " << open_only);
    v1::ListReportsRequest queue;
    queue.set_school_id(w.school_id);
    queue.set_open_only(open_only);
    queue.set_page_size(2);
    std::vector<std::string> listed;
    pages = 0;
    do {
      v1::ListReportsResponse page;
      REQUIRE(f->Call(&Stub::ListReports, w.admin, queue, &page).ok());
      ++pages;
      REQUIRE(page.reports_size() <= 2);
      for (const v1::Report& report : page.reports()) listed.push_back(report.id());
      queue.set_page_token(page.next_page_token());
    } while (!queue.page_token().empty() && pages < 100);
    CHECK(listed ==
          std::vector<std::string>(queue_order.begin(), queue_order.begin() + (open_only ? 3 : 5)));
    CHECK(pages == (open_only ? 2 : 3));
  }

  // A token of the open queue is no token of the whole queue, nor of another school's.
  v1::ListReportsRequest queue;
  queue.set_school_id(w.school_id);
  queue.set_open_only(true);
  queue.set_page_size(1);
  v1::ListReportsResponse page;
  REQUIRE(f->Call(&Stub::ListReports, w.admin, queue, &page).ok());
  REQUIRE_FALSE(page.next_page_token().empty());
  queue.set_open_only(false);
  queue.set_page_token(page.next_page_token());
  v1::ListReportsResponse refused;
  CHECK_REFUSED(f->Call(&Stub::ListReports, w.admin, queue, &refused), INVALID_ARGUMENT,
                "INVALID_PAGE_TOKEN");
  SchoolWorld other = f->directory().BuildSchool("Гимназия № 2");
  queue.set_school_id(other.school_id);
  queue.set_open_only(true);
  CHECK_REFUSED(f->Call(&Stub::ListReports, other.admin, queue, &refused), INVALID_ARGUMENT,
                "INVALID_PAGE_TOKEN");
  queue.set_page_token(Garbled(page.next_page_token()));
  queue.set_school_id(w.school_id);
  CHECK_REFUSED(f->Call(&Stub::ListReports, w.admin, queue, &refused), INVALID_ARGUMENT,
                "INVALID_PAGE_TOKEN");
  queue.clear_page_token();
  queue.set_page_size(201);
  CHECK_REFUSED(f->Call(&Stub::ListReports, w.admin, queue, &refused), INVALID_ARGUMENT,
                "INVALID_PAGE");
}

TEST_CASE("ListMySubscriptions pages the caller's chats by chat id with tokens bound to him",
          "[messaging][api]") {
  PARTA_MESSAGING_FIXTURE(f);
  SchoolWorld w = f->directory().BuildSchool();
  f->WaitForChat(w.student, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id);
  f->WaitForChat(w.student, v1::CHAT_KIND_CHANNEL);
  for (int i = 0; i < 4; ++i) {
    v1::CreateGroupChatRequest create;
    create.set_school_id(w.school_id);
    create.set_title("Кружок " + std::to_string(i));
    create.add_member_ids(w.student);
    v1::Chat group;
    REQUIRE(f->Call(&Stub::CreateGroupChat, w.teacher, create, &group).ok());
  }
  f->WaitForRoster(w.school_id);
  auto subscriptions = events::v1::SubscriptionService::NewStub(
      grpc::MakeChannel("127.0.0.1:" + std::to_string(f->port())));
  auto list = [&](const std::string& caller, const events::v1::ListMySubscriptionsRequest& request,
                  events::v1::ListMySubscriptionsResponse* response) {
    auto context = directory::testing::DirectoryFixture::Context(f->Token(caller));
    return subscriptions->ListMySubscriptions(context.get(), request, response);
  };

  // Every chat he is in, by chat id.
  std::vector<std::string> expected;
  v1::ListChatsRequest chats_request;
  chats_request.set_page_size(500);
  v1::ListChatsResponse chats;
  REQUIRE(f->Call(&Stub::ListChats, w.student, chats_request, &chats).ok());
  for (const v1::Chat& chat : chats.chats()) expected.push_back("parta:chat:" + chat.id());
  REQUIRE(expected.size() >= 6);  // the class's chat, the channel and the four groups
  std::sort(expected.begin(), expected.end());
  events::v1::ListMySubscriptionsRequest request;
  events::v1::ListMySubscriptionsResponse page;
  REQUIRE(list(w.student, request, &page).ok());  // the default page holds them all
  CHECK(page.next_page_token().empty());
  CHECK(std::vector<std::string>(page.channels().begin(), page.channels().end()) == expected);

  // Two at a time: each once, in order, without an empty last page.
  std::vector<std::string> walked;
  int pages = 0;
  request.set_page_size(2);
  do {
    REQUIRE(list(w.student, request, &page).ok());
    ++pages;
    REQUIRE(page.channels_size() <= 2);
    walked.insert(walked.end(), page.channels().begin(), page.channels().end());
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty() && pages < 100);
  CHECK(walked == expected);
  CHECK(pages == (static_cast<int>(expected.size()) + 1) / 2);

  // A token is the caller's own listing's: not another person's, not another list's.
  request.clear_page_token();
  REQUIRE(list(w.student, request, &page).ok());
  const std::string token = page.next_page_token();
  REQUIRE_FALSE(token.empty());
  events::v1::ListMySubscriptionsResponse refused;
  request.set_page_token(token);
  CHECK_REFUSED(list(w.teacher, request, &refused), INVALID_ARGUMENT, "INVALID_PAGE_TOKEN");
  request.set_page_token(Garbled(token));
  CHECK_REFUSED(list(w.student, request, &refused), INVALID_ARGUMENT, "INVALID_PAGE_TOKEN");
  chats_request.set_page_size(1);
  REQUIRE(f->Call(&Stub::ListChats, w.student, chats_request, &chats).ok());
  REQUIRE_FALSE(chats.next_page_token().empty());
  request.set_page_token(chats.next_page_token());
  CHECK_REFUSED(list(w.student, request, &refused), INVALID_ARGUMENT, "INVALID_PAGE_TOKEN");

  // 1-1,000 a page.
  request.clear_page_token();
  for (int size : {1001, -1}) {
    request.set_page_size(size);
    CHECK_REFUSED(list(w.student, request, &refused), INVALID_ARGUMENT, "INVALID_PAGE");
  }
  request.set_page_size(1000);
  CHECK(list(w.student, request, &page).ok());
}

}  // namespace
}  // namespace parta::messaging
