// Search within what each person's history shows, and the cross-school matrix: every chat and
// message RPC with another school's ids.

#include <algorithm>
#include <catch2/catch.hpp>

#include "libs/core/random.h"
#include "services/messaging/tests/messaging_fixture.h"

namespace parta::messaging {
namespace {

using directory::testing::ReasonOf;
using directory::testing::SchoolWorld;
using testing::MessagingFixture;
namespace dir = directory::v1;
using Stub = v1::MessagingService::Stub;

std::vector<std::string> Found(MessagingFixture& f, const std::string& user,
                               const std::string& query, const std::string& chat_id = "") {
  v1::SearchMessagesRequest search;
  search.set_query(query);
  search.set_chat_id(chat_id);
  v1::SearchMessagesResponse found;
  ::grpc::Status status = f.Call(&Stub::SearchMessages, user, search, &found);
  INFO(status.error_message());
  REQUIRE(status.ok());
  std::vector<std::string> bodies;
  for (const v1::Message& message : found.messages()) bodies.push_back(message.text().body());
  // Newest first to the millisecond (ids are UUIDv7); the test clock stands still, so compare
  // what was found.
  std::sort(bodies.begin(), bodies.end());
  return bodies;
}

TEST_CASE("Search: Russian word forms, only what the caller's history shows", "[messaging][api]") {
  PARTA_MESSAGING_FIXTURE(f);
  SchoolWorld w = f->directory().BuildSchool();
  v1::Chat students = f->WaitForChat(w.student, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id);
  v1::Chat parents = f->WaitForChat(w.parent, v1::CHAT_KIND_CLASS_PARENTS, w.class_id);
  f->Send(w.teacher, students.id(), "Контрольная работа по математике в пятницу");
  v1::Message gone = f->Send(w.student, students.id(), "Контрольные ответы у меня");
  f->Send(w.teacher, parents.id(), "Напоминаю про контрольную в пятницу");
  f->Send(w.student, students.id(), "Задачи решены!");

  // "контрольную" finds every form of the word, newest first, across the caller's chats.
  CHECK(Found(*f, w.teacher, "контрольную") ==
        std::vector<std::string>{"Контрольная работа по математике в пятницу",
                                 "Контрольные ответы у меня",
                                 "Напоминаю про контрольную в пятницу"});
  CHECK(Found(*f, w.teacher, "задача") == std::vector<std::string>{"Задачи решены!"});
  CHECK(Found(*f, w.teacher, "контрольная пятница", parents.id()).size() == 1);
  // The parent sees his chat only; the student his.
  CHECK(Found(*f, w.parent, "контрольная") ==
        std::vector<std::string>{"Напоминаю про контрольную в пятницу"});
  CHECK(Found(*f, w.student, "контрольная").size() == 2);
  // Deleted messages are not found.
  v1::DeleteMessageRequest remove;
  remove.set_chat_id(students.id());
  remove.set_message_id(gone.id());
  v1::Message deleted;
  REQUIRE(f->Call(&Stub::DeleteMessage, w.teacher, remove, &deleted).ok());
  CHECK(Found(*f, w.student, "контрольная").size() == 1);
  // A chat he is not in, and bad queries.
  v1::SearchMessagesRequest search;
  search.set_query("контрольная");
  search.set_chat_id(students.id());
  v1::SearchMessagesResponse found;
  CHECK_REFUSED(f->Call(&Stub::SearchMessages, w.parent, search, &found), PERMISSION_DENIED,
                "NOT_CHAT_MEMBER");
  search.set_query("!!!");
  CHECK_REFUSED(f->Call(&Stub::SearchMessages, w.teacher, search, &found), INVALID_ARGUMENT,
                "INVALID_QUERY");

  // A newcomer of a group that shows no history finds nothing from before him; who left finds
  // nothing of it.
  v1::CreateGroupChatRequest create;
  create.set_school_id(w.school_id);
  create.set_title("Кружок");
  create.add_member_ids(w.student);
  v1::Chat group;
  REQUIRE(f->Call(&Stub::CreateGroupChat, w.teacher, create, &group).ok());
  f->Send(w.teacher, group.id(), "Секретная контрольная для кружка");
  v1::UpdateChatRequest settings;
  settings.mutable_chat()->set_id(group.id());
  settings.mutable_chat()->mutable_settings()->set_newcomer_history(v1::NEWCOMER_HISTORY_NONE);
  settings.mutable_update_mask()->add_paths("settings");
  v1::Chat updated;
  REQUIRE(f->Call(&Stub::UpdateChat, w.teacher, settings, &updated).ok());
  v1::AddChatMembersRequest add;
  add.set_chat_id(group.id());
  add.add_user_ids(w.employee);
  v1::AddChatMembersResponse added;
  REQUIRE(f->Call(&Stub::AddChatMembers, w.teacher, add, &added).ok());
  CHECK(Found(*f, w.employee, "секретная").empty());
  CHECK(Found(*f, w.student, "секретная").size() == 1);
  v1::RemoveChatMemberRequest leave;
  leave.set_chat_id(group.id());
  leave.set_user_id(w.student);
  v1::RemoveChatMemberResponse left;
  REQUIRE(f->Call(&Stub::RemoveChatMember, w.student, leave, &left).ok());
  CHECK(Found(*f, w.student, "секретная").empty());
}

TEST_CASE("Cross-school: another school's chats and messages are out of reach of every RPC",
          "[messaging][api]") {
  PARTA_MESSAGING_FIXTURE(f);
  SchoolWorld a = f->directory().BuildSchool("Школа № 1");
  SchoolWorld b = f->directory().BuildSchool("Школа № 2");
  v1::Chat b_chat = f->WaitForChat(b.student, v1::CHAT_KIND_CLASS_STUDENTS, b.class_id);
  v1::Chat b_channel = f->WaitForChat(b.parent, v1::CHAT_KIND_CHANNEL);
  f->WaitForChat(a.parent, v1::CHAT_KIND_CLASS_PARENTS, a.class_id);
  v1::Chat a_chat = f->WaitForChat(a.student, v1::CHAT_KIND_CLASS_STUDENTS, a.class_id);
  v1::Message b_message = f->Send(b.teacher, b_chat.id(), "Только для школы № 2");
  v1::Message b_post = f->Send(b.admin, b_channel.id(), "Объявление школы № 2");

  for (const std::string& intruder : {a.admin, a.teacher, a.employee, a.student, a.parent}) {
    INFO("intruder " << intruder);
    for (const std::string& chat_id : {b_chat.id(), b_channel.id()}) {
      const std::string& message_id = chat_id == b_chat.id() ? b_message.id() : b_post.id();
      v1::Message message;
      v1::Chat chat;
      v1::SendMessageRequest send;
      send.set_chat_id(chat_id);
      send.set_request_id("intrude");
      send.mutable_text()->set_body("Я здесь");
      CHECK_REFUSED(f->Call(&Stub::SendMessage, intruder, send, &message), PERMISSION_DENIED,
                    "NOT_CHAT_MEMBER");
      v1::GetChatRequest get;
      get.set_chat_id(chat_id);
      CHECK_REFUSED(f->Call(&Stub::GetChat, intruder, get, &chat), PERMISSION_DENIED,
                    "NOT_CHAT_MEMBER");
      v1::ListMessagesRequest list;
      list.set_chat_id(chat_id);
      v1::ListMessagesResponse page;
      CHECK_REFUSED(f->Call(&Stub::ListMessages, intruder, list, &page), PERMISSION_DENIED,
                    "NOT_CHAT_MEMBER");
      v1::ListChatChangesRequest changes;
      changes.set_chat_id(chat_id);
      v1::ListChatChangesResponse changed;
      CHECK_REFUSED(f->Call(&Stub::ListChatChanges, intruder, changes, &changed), PERMISSION_DENIED,
                    "NOT_CHAT_MEMBER");
      v1::EditMessageRequest edit;
      edit.set_chat_id(chat_id);
      edit.set_message_id(message_id);
      edit.mutable_text()->set_body("Подмена");
      edit.mutable_update_mask()->add_paths("text");
      CHECK_REFUSED(f->Call(&Stub::EditMessage, intruder, edit, &message), PERMISSION_DENIED,
                    "NOT_CHAT_MEMBER");
      v1::DeleteMessageRequest remove;
      remove.set_chat_id(chat_id);
      remove.set_message_id(message_id);
      CHECK_REFUSED(f->Call(&Stub::DeleteMessage, intruder, remove, &message), PERMISSION_DENIED,
                    "NOT_CHAT_MEMBER");
      v1::ReactToMessageRequest react;
      react.set_chat_id(chat_id);
      react.set_message_id(message_id);
      react.set_emoji("👍");
      CHECK_REFUSED(f->Call(&Stub::ReactToMessage, intruder, react, &message), PERMISSION_DENIED,
                    "NOT_CHAT_MEMBER");
      v1::PinMessageRequest pin;
      pin.set_chat_id(chat_id);
      pin.set_message_id(message_id);
      CHECK_REFUSED(f->Call(&Stub::PinMessage, intruder, pin, &message), PERMISSION_DENIED,
                    "NOT_CHAT_MEMBER");
      v1::ReportMessageRequest report;
      report.set_chat_id(chat_id);
      report.set_message_id(message_id);
      report.set_reason("Спам");
      v1::Report filed;
      CHECK_REFUSED(f->Call(&Stub::ReportMessage, intruder, report, &filed), PERMISSION_DENIED,
                    "NOT_CHAT_MEMBER");
      v1::ListMessageVersionsRequest versions;
      versions.set_chat_id(chat_id);
      versions.set_message_id(message_id);
      v1::ListMessageVersionsResponse versioned;
      CHECK_REFUSED(f->Call(&Stub::ListMessageVersions, intruder, versions, &versioned),
                    PERMISSION_DENIED, "NOT_CHAT_MEMBER");
      v1::MarkReadRequest read;
      read.set_chat_id(chat_id);
      read.set_sequence(1);
      CHECK_REFUSED(f->Call(&Stub::MarkRead, intruder, read, &chat), PERMISSION_DENIED,
                    "NOT_CHAT_MEMBER");
      v1::MuteMemberRequest mute;
      mute.set_chat_id(chat_id);
      mute.set_user_id(b.student);
      mute.mutable_duration()->set_seconds(600);
      v1::ChatMember member;
      CHECK_REFUSED(f->Call(&Stub::MuteMember, intruder, mute, &member), PERMISSION_DENIED,
                    "NOT_CHAT_MEMBER");
      v1::ListChatMembersRequest members;
      members.set_chat_id(chat_id);
      v1::ListChatMembersResponse listed;
      CHECK_REFUSED(f->Call(&Stub::ListChatMembers, intruder, members, &listed), PERMISSION_DENIED,
                    "NOT_CHAT_MEMBER");
      v1::UpdateChatRequest update;
      update.mutable_chat()->set_id(chat_id);
      update.mutable_chat()->mutable_settings()->set_read_only(true);
      update.mutable_update_mask()->add_paths("settings");
      CHECK_REFUSED(f->Call(&Stub::UpdateChat, intruder, update, &chat), PERMISSION_DENIED,
                    "NOT_CHAT_MEMBER");
      v1::SearchMessagesRequest search;
      search.set_query("школы");
      search.set_chat_id(chat_id);
      v1::SearchMessagesResponse found;
      CHECK_REFUSED(f->Call(&Stub::SearchMessages, intruder, search, &found), PERMISSION_DENIED,
                    "NOT_CHAT_MEMBER");
      // Through one's own chat: forwarding, replying to or mentioning the other school's.
      v1::SendMessageRequest forward;
      forward.set_chat_id(a_chat.id());
      forward.set_request_id("forward-" + intruder);
      forward.mutable_forward()->set_chat_id(chat_id);
      forward.mutable_forward()->set_message_id(message_id);
      ::grpc::Status forwarded = f->Call(&Stub::SendMessage, intruder, forward, &message);
      CHECK(forwarded.error_code() != ::grpc::StatusCode::OK);
      v1::SendMessageRequest reply;
      reply.set_chat_id(a_chat.id());
      reply.set_request_id("reply-" + intruder);
      reply.mutable_text()->set_body("Ответ");
      reply.set_reply_to_message_id(message_id);
      CHECK(f->Call(&Stub::SendMessage, intruder, reply, &message).error_code() !=
            ::grpc::StatusCode::OK);
    }
    // Their own school-wide search never shows the other school's words.
    v1::SearchMessagesRequest everywhere;
    everywhere.set_query("школы");
    v1::SearchMessagesResponse found;
    REQUIRE(f->Call(&Stub::SearchMessages, intruder, everywhere, &found).ok());
    CHECK(found.messages_size() == 0);
    // The other school's queue, and groups with its people.
    v1::ListReportsRequest queue;
    queue.set_school_id(b.school_id);
    v1::ListReportsResponse reports;
    CHECK_REFUSED(f->Call(&Stub::ListReports, intruder, queue, &reports), PERMISSION_DENIED,
                  "NOT_SCHOOL_ADMIN");
    v1::OpenDirectChatRequest open;
    open.set_school_id(b.school_id);
    open.set_user_id(b.student);
    v1::Chat direct;
    CHECK_REFUSED(f->Call(&Stub::OpenDirectChat, intruder, open, &direct), PERMISSION_DENIED,
                  "CONTACT_NOT_ALLOWED");
  }
  v1::CreateGroupChatRequest create;
  create.set_school_id(a.school_id);
  create.set_title("Смешанная");
  create.add_member_ids(b.student);
  v1::Chat group;
  CHECK_REFUSED(f->Call(&Stub::CreateGroupChat, a.teacher, create, &group), INVALID_ARGUMENT,
                "NOT_IN_SCHOOL");
  create.set_school_id(b.school_id);
  CHECK_REFUSED(f->Call(&Stub::CreateGroupChat, a.teacher, create, &group), PERMISSION_DENIED,
                "NOT_TEACHER_OR_ADMIN");
  // And school B's stream saw nothing of it.
  v1::ListChatChangesRequest changes;
  changes.set_chat_id(b_chat.id());
  changes.set_after_sequence(b_message.sequence());
  v1::ListChatChangesResponse changed;
  REQUIRE(f->Call(&Stub::ListChatChanges, b.teacher, changes, &changed).ok());
  CHECK(changed.changes_size() == 0);
}

}  // namespace
}  // namespace parta::messaging
