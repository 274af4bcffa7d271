// The roster chats: made and kept by messaging from the directory's events.

#include <catch2/catch.hpp>

#include "services/messaging/tests/messaging_fixture.h"

namespace parta::messaging {
namespace {

using directory::testing::SchoolWorld;
using testing::MessagingFixture;
namespace dir = directory::v1;
using Stub = v1::MessagingService::Stub;

TEST_CASE("Every person of a school finds his roster chats made, in the part his roles give",
          "[messaging][api]") {
  PARTA_MESSAGING_FIXTURE(f);
  SchoolWorld w = f->directory().BuildSchool();
  struct Expected {
    std::string who, user;
    std::optional<v1::ChatRole> students, parents, staff, channel;
  };
  using R = v1::ChatRole;
  const Expected table[] = {
      {"admin", w.admin, {}, {}, R::CHAT_ROLE_MODERATOR, R::CHAT_ROLE_MODERATOR},
      {"class teacher", w.teacher, R::CHAT_ROLE_MODERATOR, R::CHAT_ROLE_MODERATOR,
       R::CHAT_ROLE_MEMBER, R::CHAT_ROLE_MODERATOR},
      {"employee", w.employee, {}, {}, R::CHAT_ROLE_MEMBER, R::CHAT_ROLE_READER},
      {"student", w.student, R::CHAT_ROLE_MEMBER, {}, {}, R::CHAT_ROLE_READER},
      {"parent", w.parent, {}, R::CHAT_ROLE_MEMBER, {}, R::CHAT_ROLE_READER},
  };
  // The last event of the world (the parent's confirmation) reaches messaging last.
  f->WaitForChat(w.parent, v1::CHAT_KIND_CLASS_PARENTS, w.class_id);
  for (const Expected& row : table) {
    INFO(row.who);
    auto role_in = [&](v1::ChatKind kind, const std::string& class_id) -> std::optional<R> {
      std::optional<v1::Chat> chat = f->ChatOf(row.user, kind, class_id);
      if (!chat) return std::nullopt;
      CHECK(chat->school_id() == w.school_id);
      return chat->my_role();
    };
    CHECK(role_in(v1::CHAT_KIND_CLASS_STUDENTS, w.class_id) == row.students);
    CHECK(role_in(v1::CHAT_KIND_CLASS_PARENTS, w.class_id) == row.parents);
    CHECK(role_in(v1::CHAT_KIND_STAFF, "") == row.staff);
    CHECK(role_in(v1::CHAT_KIND_CHANNEL, "") == row.channel);
  }
  v1::Chat students = *f->ChatOf(w.teacher, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id);
  CHECK(students.title() == "5А");
  CHECK(students.academic_year() > 2000);
  v1::Chat channel = *f->ChatOf(w.student, v1::CHAT_KIND_CHANNEL);
  CHECK(channel.title() == "Школа № 5");
}

TEST_CASE("Chats follow the roster: a student added joins, one removed loses access at once",
          "[messaging][api]") {
  PARTA_MESSAGING_FIXTURE(f);
  SchoolWorld w = f->directory().BuildSchool();
  v1::Chat chat = f->WaitForChat(w.student, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id);
  f->Send(w.student, chat.id(), "Всем привет!");

  std::string newcomer = f->directory().Join(w.school_id, f->directory().Token(w.teacher),
                                             dir::ROLE_STUDENT, w.class_id);
  v1::Chat joined = f->WaitForChat(newcomer, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id);
  CHECK(joined.id() == chat.id());
  CHECK(joined.unread_count() == 0);  // history is readable, not unread
  // The whole history is his, and the others saw him join.
  v1::ListMessagesRequest history;
  history.set_chat_id(chat.id());
  v1::ListMessagesResponse messages;
  REQUIRE(f->Call(&Stub::ListMessages, newcomer, history, &messages).ok());
  REQUIRE(messages.messages_size() == 1);
  CHECK(messages.messages(0).text().body() == "Всем привет!");
  v1::ListChatChangesRequest changes_request;
  changes_request.set_chat_id(chat.id());
  changes_request.set_after_sequence(messages.messages(0).sequence());
  v1::ListChatChangesResponse changes;
  REQUIRE(f->Call(&Stub::ListChatChanges, w.student, changes_request, &changes).ok());
  REQUIRE(changes.changes_size() >= 1);
  CHECK(changes.changes(0).chat_change().member_joined().user_id() == newcomer);
  CHECK(changes.changes(0).sequence() == messages.messages(0).sequence() + 1);

  // The admin takes the student role away: the newcomer is out of the chat.
  dir::RemoveMemberRoleRequest remove;
  remove.set_school_id(w.school_id);
  remove.set_user_id(newcomer);
  remove.set_role(dir::ROLE_STUDENT);
  dir::RemoveMemberRoleResponse member;
  REQUIRE(f->directory()
              .Call(&dir::DirectoryService::Stub::RemoveMemberRole, w.admin, remove, &member)
              .ok());
  REQUIRE(MessagingFixture::Eventually(
      [&] { return !f->ChatOf(newcomer, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id); }));
  v1::SendMessageRequest send;
  send.set_chat_id(chat.id());
  send.set_request_id("after-removal");
  send.mutable_text()->set_body("Я ещё здесь?");
  v1::Message message;
  ::grpc::Status refused = f->Call(&Stub::SendMessage, newcomer, send, &message);
  CHECK(refused.error_code() == ::grpc::StatusCode::PERMISSION_DENIED);
  CHECK(directory::testing::ReasonOf(refused) == "NOT_CHAT_MEMBER");
  REQUIRE(f->Call(&Stub::ListMessages, newcomer, history, &messages).error_code() ==
          ::grpc::StatusCode::PERMISSION_DENIED);
  // His sync says the chat is gone.
  v1::SyncRequest sync;
  sync.add_cursors()->set_chat_id(chat.id());
  v1::SyncResponse synced;
  REQUIRE(f->Call(&Stub::Sync, newcomer, sync, &synced).ok());
  REQUIRE(synced.removed_chat_ids_size() == 1);
  CHECK(synced.removed_chat_ids(0) == chat.id());
}

TEST_CASE(
    "At rollover the class's chats are archived with the year's students, and the new "
    "class gets new ones",
    "[messaging][api]") {
  PARTA_MESSAGING_FIXTURE(f);
  SchoolWorld w = f->directory().BuildSchool();
  v1::Chat old_chat = f->WaitForChat(w.student, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id);
  f->Send(w.student, old_chat.id(), "Последний день в пятом классе");

  dir::RolloverAcademicYearRequest rollover;
  rollover.set_school_id(w.school_id);
  rollover.set_from_year(old_chat.academic_year());
  dir::RolloverAcademicYearResponse result;
  ::grpc::Status rolled = f->directory().Call(&dir::DirectoryService::Stub::RolloverAcademicYear,
                                              w.admin, rollover, &result);
  INFO(rolled.error_message());
  REQUIRE(rolled.ok());
  REQUIRE(result.transfers_size() == 1);
  std::string new_class = result.transfers(0).to_class_id();

  v1::Chat new_chat = f->WaitForChat(w.student, v1::CHAT_KIND_CLASS_STUDENTS, new_class);
  CHECK(new_chat.title() == "6А");
  CHECK(new_chat.academic_year() == old_chat.academic_year() + 1);
  CHECK_FALSE(new_chat.archived());
  CHECK(f->WaitForChat(w.teacher, v1::CHAT_KIND_CLASS_STUDENTS, new_class).my_role() ==
        v1::CHAT_ROLE_MODERATOR);
  CHECK(f->WaitForChat(w.parent, v1::CHAT_KIND_CLASS_PARENTS, new_class).id() != "");

  // The old chat: archived, still the student's to read, closed for writing.
  v1::Chat archived = f->WaitForChat(w.student, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id);
  CHECK(archived.archived());
  v1::ListMessagesRequest history;
  history.set_chat_id(old_chat.id());
  v1::ListMessagesResponse messages;
  REQUIRE(f->Call(&Stub::ListMessages, w.student, history, &messages).ok());
  REQUIRE(messages.messages_size() == 1);
  v1::SendMessageRequest send;
  send.set_chat_id(old_chat.id());
  send.set_request_id("late");
  send.mutable_text()->set_body("Эй!");
  v1::Message message;
  ::grpc::Status refused = f->Call(&Stub::SendMessage, w.student, send, &message);
  CHECK(refused.error_code() == ::grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(directory::testing::ReasonOf(refused) == "CHAT_ARCHIVED");
}

}  // namespace
}  // namespace parta::messaging
