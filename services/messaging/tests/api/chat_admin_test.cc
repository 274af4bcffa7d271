// Groups and direct chats: who makes them, who is in them, their settings and history limits.

#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "libs/core/random.h"
#include "services/messaging/tests/messaging_fixture.h"

namespace parta::messaging {
namespace {

using directory::testing::ReasonOf;
using directory::testing::SchoolWorld;
using testing::MessagingFixture;
namespace dir = directory::v1;
using Stub = v1::MessagingService::Stub;

TEST_CASE("Groups: made by teachers with people of their school, run by their owner",
          "[messaging][api]") {
  PARTA_MESSAGING_FIXTURE(f);
  SchoolWorld w = f->directory().BuildSchool();
  SchoolWorld other = f->directory().BuildSchool("Гимназия № 2");
  std::string classmate = f->directory().Join(w.school_id, f->directory().Token(w.teacher),
                                              dir::ROLE_STUDENT, w.class_id);
  f->WaitForChat(classmate, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id);
  f->WaitForChat(other.student, v1::CHAT_KIND_CLASS_STUDENTS, other.class_id);

  v1::CreateGroupChatRequest create;
  create.set_school_id(w.school_id);
  create.set_title("Олимпиада по физике");
  create.add_member_ids(w.student);
  v1::Chat group;
  CHECK_REFUSED(f->Call(&Stub::CreateGroupChat, w.student, create, &group), PERMISSION_DENIED,
                "NOT_TEACHER_OR_ADMIN");
  create.add_member_ids(other.student);
  CHECK_REFUSED(f->Call(&Stub::CreateGroupChat, w.teacher, create, &group), INVALID_ARGUMENT,
                "NOT_IN_SCHOOL");
  create.clear_member_ids();
  create.add_member_ids(w.student);
  create.set_title(" ");
  CHECK_REFUSED(f->Call(&Stub::CreateGroupChat, w.teacher, create, &group), INVALID_ARGUMENT,
                "INVALID_TITLE");
  create.set_title("Олимпиада по физике");
  REQUIRE(f->Call(&Stub::CreateGroupChat, w.teacher, create, &group).ok());
  CHECK(group.kind() == v1::CHAT_KIND_GROUP);
  CHECK(group.my_role() == v1::CHAT_ROLE_OWNER);
  CHECK(f->WaitForChat(w.student, v1::CHAT_KIND_GROUP).id() == group.id());

  f->Send(w.teacher, group.id(), "Первое задание");
  f->Send(w.teacher, group.id(), "Второе задание");

  // Newcomers see only the last message; the pupil may not invite (moderators do by default).
  v1::UpdateChatRequest settings;
  settings.mutable_chat()->set_id(group.id());
  settings.mutable_chat()->mutable_settings()->set_newcomer_history(v1::NEWCOMER_HISTORY_LAST);
  settings.mutable_chat()->mutable_settings()->set_newcomer_history_count(1001);
  settings.mutable_update_mask()->add_paths("settings");
  v1::Chat updated;
  CHECK_REFUSED(f->Call(&Stub::UpdateChat, w.teacher, settings, &updated), INVALID_ARGUMENT,
                "INVALID_SETTINGS");
  settings.mutable_chat()->mutable_settings()->set_newcomer_history_count(1);
  REQUIRE(f->Call(&Stub::UpdateChat, w.teacher, settings, &updated).ok());
  CHECK(updated.settings().newcomer_history() == v1::NEWCOMER_HISTORY_LAST);
  CHECK(updated.settings().invite() == v1::AUDIENCE_MODERATORS);

  v1::AddChatMembersRequest add;
  add.set_chat_id(group.id());
  add.add_user_ids(classmate);
  v1::AddChatMembersResponse added;
  CHECK_REFUSED(f->Call(&Stub::AddChatMembers, w.student, add, &added), PERMISSION_DENIED,
                "NOT_ALLOWED_BY_SETTINGS");
  REQUIRE(f->Call(&Stub::AddChatMembers, w.teacher, add, &added).ok());
  CHECK(added.members_size() == 3);  // the whole group
  v1::ListMessagesRequest history;
  history.set_chat_id(group.id());
  v1::ListMessagesResponse page;
  REQUIRE(f->Call(&Stub::ListMessages, classmate, history, &page).ok());
  REQUIRE(page.messages_size() == 1);
  CHECK(page.messages(0).text().body() == "Второе задание");

  // Roles: the owner names a moderator, who may then remove a member; members may leave.
  v1::SetChatMemberRoleRequest promote;
  promote.set_chat_id(group.id());
  promote.set_user_id(w.student);
  promote.set_role(v1::CHAT_ROLE_MODERATOR);
  v1::ChatMember promoted;
  CHECK_REFUSED(f->Call(&Stub::SetChatMemberRole, classmate, promote, &promoted), PERMISSION_DENIED,
                "NOT_OWNER");
  REQUIRE(f->Call(&Stub::SetChatMemberRole, w.teacher, promote, &promoted).ok());
  CHECK(promoted.role() == v1::CHAT_ROLE_MODERATOR);
  v1::RemoveChatMemberRequest remove;
  remove.set_chat_id(group.id());
  remove.set_user_id(w.teacher);
  v1::RemoveChatMemberResponse removed;
  CHECK_REFUSED(f->Call(&Stub::RemoveChatMember, w.student, remove, &removed), FAILED_PRECONDITION,
                "OWNER_STAYS");
  CHECK_REFUSED(f->Call(&Stub::RemoveChatMember, w.teacher, remove, &removed), FAILED_PRECONDITION,
                "OWNER_STAYS");
  remove.set_user_id(classmate);
  REQUIRE(f->Call(&Stub::RemoveChatMember, w.student, remove, &removed).ok());
  v1::ListChatMembersResponse members;
  REQUIRE(f->Call(
               &Stub::ListChatMembers, w.teacher,
               [&] {
                 v1::ListChatMembersRequest list;
                 list.set_chat_id(group.id());
                 return list;
               }(),
               &members)
              .ok());
  CHECK(members.members_size() == 2);
  CHECK_REFUSED(f->Call(&Stub::ListMessages, classmate, history, &page), PERMISSION_DENIED,
                "NOT_CHAT_MEMBER");
  remove.set_user_id(w.student);  // leaving
  REQUIRE(f->Call(&Stub::RemoveChatMember, w.student, remove, &removed).ok());
  CHECK_FALSE(f->ChatOf(w.student, v1::CHAT_KIND_GROUP).has_value());

  // The owner renames it; roster chats have no members to add by hand.
  v1::UpdateChatRequest rename;
  rename.mutable_chat()->set_id(group.id());
  rename.mutable_chat()->set_title("Физика: подготовка");
  rename.mutable_update_mask()->add_paths("title");
  REQUIRE(f->Call(&Stub::UpdateChat, w.teacher, rename, &updated).ok());
  CHECK(updated.title() == "Физика: подготовка");
  v1::Chat students = f->WaitForChat(w.teacher, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id);
  add.set_chat_id(students.id());
  CHECK_REFUSED(f->Call(&Stub::AddChatMembers, w.teacher, add, &added), FAILED_PRECONDITION,
                "NOT_A_GROUP");
}

// The caller's groups of that title.
int GroupsTitled(MessagingFixture& f, const std::string& user_id, const std::string& title) {
  v1::ListChatsRequest list;
  list.set_page_size(500);
  v1::ListChatsResponse chats;
  REQUIRE(f.Call(&Stub::ListChats, user_id, list, &chats).ok());
  REQUIRE(chats.next_page_token().empty());
  int found = 0;
  for (const v1::Chat& chat : chats.chats()) {
    if (chat.kind() == v1::CHAT_KIND_GROUP && chat.title() == title) ++found;
  }
  return found;
}

TEST_CASE("CreateGroupChat retried with its request id makes one group", "[messaging][api]") {
  PARTA_MESSAGING_FIXTURE(f);
  SchoolWorld w = f->directory().BuildSchool();
  f->WaitForChat(w.student, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id);
  v1::CreateGroupChatRequest create;
  create.set_school_id(w.school_id);
  create.set_title("Кружок робототехники");
  create.add_member_ids(w.student);
  create.set_request_id("group-request-1");
  v1::CreateGroupChatResponse first;
  REQUIRE(f->Call(&Stub::CreateGroupChat, w.teacher, create, &first).ok());
  CHECK(first.chat().kind() == v1::CHAT_KIND_GROUP);
  CHECK(first.chat().my_role() == v1::CHAT_ROLE_OWNER);

  // A retry after a lost answer: the same group, nothing made twice.
  v1::CreateGroupChatResponse again;
  REQUIRE(f->Call(&Stub::CreateGroupChat, w.teacher, create, &again).ok());
  CHECK(again.chat().id() == first.chat().id());
  CHECK(again.chat().my_role() == v1::CHAT_ROLE_OWNER);
  CHECK(GroupsTitled(*f, w.teacher, "Кружок робототехники") == 1);
  CHECK(GroupsTitled(*f, w.student, "Кружок робототехники") == 1);

  // The same id for another request is refused; the first group stays as it was.
  v1::CreateGroupChatRequest other = create;
  other.set_title("Кружок шахмат");
  CHECK_REFUSED(f->Call(&Stub::CreateGroupChat, w.teacher, other, &again), ALREADY_EXISTS,
                "REQUEST_ID_REUSED");
  other = create;
  other.clear_member_ids();
  CHECK_REFUSED(f->Call(&Stub::CreateGroupChat, w.teacher, other, &again), ALREADY_EXISTS,
                "REQUEST_ID_REUSED");
  CHECK(GroupsTitled(*f, w.teacher, "Кружок шахмат") == 0);

  // Another person's request ids are his own.
  v1::CreateGroupChatResponse admins;
  REQUIRE(f->Call(&Stub::CreateGroupChat, w.admin, create, &admins).ok());
  CHECK(admins.chat().id() != first.chat().id());
  CHECK(GroupsTitled(*f, w.student, "Кружок робототехники") == 2);

  // Without a request id every call makes a group; a request id is 1-64 printable characters.
  create.set_title("Без ключа");
  create.clear_request_id();
  REQUIRE(f->Call(&Stub::CreateGroupChat, w.teacher, create, &again).ok());
  REQUIRE(f->Call(&Stub::CreateGroupChat, w.teacher, create, &again).ok());
  CHECK(GroupsTitled(*f, w.teacher, "Без ключа") == 2);
  for (const std::string& bad : {std::string("с пробелом"), std::string(65, 'x')}) {
    create.set_request_id(bad);
    CHECK_REFUSED(f->Call(&Stub::CreateGroupChat, w.teacher, create, &again), INVALID_ARGUMENT,
                  "INVALID_REQUEST_ID");
  }

  // Retries racing the first call all answer the one group it makes.
  create.set_title("Гонка");
  create.set_request_id("group-request-race");
  std::vector<std::string> made(4);
  std::vector<std::thread> callers;
  for (size_t i = 0; i < made.size(); ++i) {
    callers.emplace_back([&, i] {
      v1::CreateGroupChatResponse response;
      if (f->Call(&Stub::CreateGroupChat, w.teacher, create, &response).ok()) {
        made[i] = response.chat().id();
      }
    });
  }
  for (std::thread& caller : callers) caller.join();
  for (const std::string& id : made) CHECK(id == made[0]);
  CHECK_FALSE(made[0].empty());
  CHECK(GroupsTitled(*f, w.teacher, "Гонка") == 1);
}

TEST_CASE("Direct chats only where the visibility table allows contact", "[messaging][api]") {
  PARTA_MESSAGING_FIXTURE(f);
  SchoolWorld w = f->directory().BuildSchool();
  SchoolWorld other = f->directory().BuildSchool("Гимназия № 2");
  std::string classmate = f->directory().Join(w.school_id, f->directory().Token(w.teacher),
                                              dir::ROLE_STUDENT, w.class_id);
  f->WaitForChat(classmate, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id);

  v1::OpenDirectChatRequest open;
  open.set_school_id(w.school_id);
  open.set_user_id(classmate);
  v1::Chat direct;
  REQUIRE(f->Call(&Stub::OpenDirectChat, w.student, open, &direct).ok());
  CHECK(direct.kind() == v1::CHAT_KIND_DIRECT);
  CHECK(direct.peer_id() == classmate);
  open.set_user_id(w.student);
  v1::Chat same;
  REQUIRE(f->Call(&Stub::OpenDirectChat, classmate, open, &same).ok());  // the other way round
  CHECK(same.id() == direct.id());
  CHECK(same.peer_id() == w.student);
  f->Send(classmate, direct.id(), "Привет! Дашь списать?");

  // A stranger cannot: a student of another school, in either school's name.
  open.set_user_id(w.student);
  CHECK_REFUSED(f->Call(&Stub::OpenDirectChat, other.student, open, &direct), PERMISSION_DENIED,
                "CONTACT_NOT_ALLOWED");
  open.set_school_id(other.school_id);
  CHECK_REFUSED(f->Call(&Stub::OpenDirectChat, other.student, open, &direct), PERMISSION_DENIED,
                "CONTACT_NOT_ALLOWED");
  // Nor another school's teacher, nor an adult of the school who does not teach him (safe mode
  // lets only his classmates, teachers, parents, admins and employees).
  open.set_school_id(w.school_id);
  CHECK_REFUSED(f->Call(&Stub::OpenDirectChat, other.teacher, open, &direct), PERMISSION_DENIED,
                "CONTACT_NOT_ALLOWED");
  std::string other_teacher =
      f->directory().Join(w.school_id, f->directory().Token(w.admin), dir::ROLE_TEACHER);
  CHECK_REFUSED(f->Call(&Stub::OpenDirectChat, other_teacher, open, &direct), PERMISSION_DENIED,
                "CONTACT_NOT_ALLOWED");
  REQUIRE(f->Call(&Stub::OpenDirectChat, w.teacher, open, &direct).ok());
  open.set_user_id(w.teacher);
  CHECK_REFUSED(f->Call(&Stub::OpenDirectChat, w.teacher, open, &direct), INVALID_ARGUMENT,
                "SELF_CHAT");
  open.set_user_id("someone");
  CHECK_REFUSED(f->Call(&Stub::OpenDirectChat, w.teacher, open, &direct), INVALID_ARGUMENT,
                "INVALID_USER_ID");
}

}  // namespace
}  // namespace parta::messaging
