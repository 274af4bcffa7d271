// A school's line to the platform's support: the school's admins open it, operators see the
// conversations waiting for them, take one up and answer; nobody else reads it. Operators also
// read any school's moderation log.

#include <algorithm>
#include <catch2/catch.hpp>

#include "libs/core/random.h"
#include "services/messaging/tests/messaging_fixture.h"

namespace parta::messaging {
namespace {

using directory::testing::SchoolWorld;
using testing::MessagingFixture;
namespace dir = directory::v1;
using Stub = v1::MessagingService::Stub;

// Calls of a platform operator (his token says so; he belongs to no school).
struct Operator {
  MessagingFixture& f;
  std::string id = NewUuidV7(absl::Now());

  template <typename Request, typename Response>
  ::grpc::Status Call(::grpc::Status (Stub::*method)(::grpc::ClientContext*, const Request&,
                                                     Response*),
                      const Request& request, Response* response) {
    auto context = directory::testing::DirectoryFixture::Context(
        f.directory().tokens().User(id, /*is_operator=*/true));
    return (f.stub().*method)(context.get(), request, response);
  }

  v1::ListSupportChatsResponse List(int page_size = 0, const std::string& page_token = "") {
    v1::ListSupportChatsRequest request;
    request.set_page_size(page_size);
    request.set_page_token(page_token);
    v1::ListSupportChatsResponse response;
    ::grpc::Status status = Call(&Stub::ListSupportChats, request, &response);
    INFO(status.error_message());
    REQUIRE(status.ok());
    return response;
  }
};

v1::OpenSupportChatRequest OpenIn(const std::string& school_id) {
  v1::OpenSupportChatRequest request;
  request.set_school_id(school_id);
  return request;
}

v1::JoinSupportChatRequest JoinOf(const std::string& chat_id) {
  v1::JoinSupportChatRequest request;
  request.set_chat_id(chat_id);
  return request;
}

TEST_CASE("A school's admin writes to support and an operator answers",
          "[messaging][api][support]") {
  PARTA_MESSAGING_FIXTURE(f);
  SchoolWorld w = f->directory().BuildSchool();
  f->WaitForRoster(w.school_id);
  Operator op{*f};

  v1::Chat support;
  REQUIRE(f->Call(&Stub::OpenSupportChat, w.admin, OpenIn(w.school_id), &support).ok());
  CHECK(support.kind() == v1::CHAT_KIND_SUPPORT);
  CHECK(support.school_id() == w.school_id);
  CHECK(support.my_role() == v1::CHAT_ROLE_MEMBER);
  v1::Chat again;
  REQUIRE(f->Call(&Stub::OpenSupportChat, w.admin, OpenIn(w.school_id), &again).ok());
  CHECK(again.id() == support.id());
  // Nothing written yet: nothing for operators to see.
  CHECK(op.List().chats().empty());

  f->Send(w.admin, support.id(), "Не получается загрузить список 5А из журнала");
  v1::ListSupportChatsResponse waiting = op.List();
  REQUIRE(waiting.chats_size() == 1);
  CHECK(waiting.chats(0).chat().id() == support.id());
  CHECK(waiting.chats(0).awaiting_answer());
  CHECK(waiting.chats(0).answered_by().empty());

  // An operator writes only once he took the conversation up.
  v1::SendMessageRequest answer;
  answer.set_chat_id(support.id());
  answer.set_request_id(NewUuidV7(absl::Now()));
  answer.mutable_text()->set_body("Здравствуйте! Пришлите, пожалуйста, файл выгрузки.");
  v1::SendMessageResponse sent;
  CHECK_REFUSED(op.Call(&Stub::SendMessage, answer, &sent), PERMISSION_DENIED, "NOT_CHAT_MEMBER");
  v1::JoinSupportChatResponse joined;
  REQUIRE(op.Call(&Stub::JoinSupportChat, JoinOf(support.id()), &joined).ok());
  CHECK(joined.chat().my_role() == v1::CHAT_ROLE_MODERATOR);
  REQUIRE(op.Call(&Stub::JoinSupportChat, JoinOf(support.id()), &joined).ok());  // again: same
  REQUIRE(op.Call(&Stub::SendMessage, answer, &sent).ok());

  v1::ListSupportChatsResponse answered = op.List();
  REQUIRE(answered.chats_size() == 1);
  CHECK_FALSE(answered.chats(0).awaiting_answer());
  REQUIRE(answered.chats(0).answered_by_size() == 1);
  CHECK(answered.chats(0).answered_by(0) == op.id);
  // The admin reads the answer in his chat.
  v1::ListMessagesRequest read;
  read.set_chat_id(support.id());
  v1::ListMessagesResponse messages;
  REQUIRE(f->Call(&Stub::ListMessages, w.admin, read, &messages).ok());
  REQUIRE(messages.messages_size() == 2);
  CHECK(std::count_if(messages.messages().begin(), messages.messages().end(),
                      [&](const v1::Message& m) { return m.author_id() == op.id; }) == 1);
  // Nobody else of the school reads it.
  CHECK_REFUSED(f->Call(&Stub::ListMessages, w.teacher, read, &messages), PERMISSION_DENIED,
                "NOT_CHAT_MEMBER");
}

TEST_CASE("Support chats refuse strangers and follow the school's admins",
          "[messaging][api][support]") {
  PARTA_MESSAGING_FIXTURE(f);
  SchoolWorld w = f->directory().BuildSchool();
  SchoolWorld other = f->directory().BuildSchool();
  f->WaitForRoster(w.school_id);
  f->WaitForRoster(other.school_id);
  Operator op{*f};

  v1::Chat support;
  CHECK_REFUSED(f->Call(&Stub::OpenSupportChat, w.teacher, OpenIn(w.school_id), &support),
                PERMISSION_DENIED, "NOT_SCHOOL_ADMIN");
  CHECK_REFUSED(f->Call(&Stub::OpenSupportChat, other.admin, OpenIn(w.school_id), &support),
                PERMISSION_DENIED, "NOT_SCHOOL_ADMIN");
  CHECK_REFUSED(f->Call(&Stub::OpenSupportChat, w.admin, OpenIn("5А"), &support),
                INVALID_ARGUMENT, "INVALID_SCHOOL_ID");
  REQUIRE(f->Call(&Stub::OpenSupportChat, w.admin, OpenIn(w.school_id), &support).ok());

  // Only operators list and join, and only support chats.
  v1::ListSupportChatsResponse listed;
  CHECK_REFUSED(f->Call(&Stub::ListSupportChats, w.admin, v1::ListSupportChatsRequest(), &listed),
                PERMISSION_DENIED, "OPERATOR_ONLY");
  v1::JoinSupportChatResponse joined;
  CHECK_REFUSED(f->Call(&Stub::JoinSupportChat, other.admin, JoinOf(support.id()), &joined),
                PERMISSION_DENIED, "OPERATOR_ONLY");
  const v1::Chat class_chat = f->WaitForChat(w.student, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id);
  CHECK_REFUSED(op.Call(&Stub::JoinSupportChat, JoinOf(class_chat.id()), &joined), NOT_FOUND,
                "CHAT_NOT_FOUND");
  CHECK_REFUSED(op.Call(&Stub::JoinSupportChat, JoinOf("not-a-chat"), &joined), INVALID_ARGUMENT,
                "INVALID_CHAT_ID");
  CHECK_REFUSED(op.Call(&Stub::JoinSupportChat, JoinOf(NewUuidV7(absl::Now())), &joined),
                NOT_FOUND, "CHAT_NOT_FOUND");
  v1::ListSupportChatsRequest bad_page;
  bad_page.set_page_size(201);
  CHECK_REFUSED(op.Call(&Stub::ListSupportChats, bad_page, &listed), INVALID_ARGUMENT,
                "INVALID_PAGE");
  bad_page.set_page_size(1);
  bad_page.set_page_token("garbage");
  CHECK_REFUSED(op.Call(&Stub::ListSupportChats, bad_page, &listed), INVALID_ARGUMENT,
                "INVALID_PAGE_TOKEN");

  // A new admin is in it; an admin who is no more is out.
  const std::string deputy =
      f->directory().Join(w.school_id, f->directory().Token(w.admin), dir::ROLE_ADMIN);
  CHECK(f->WaitForChat(deputy, v1::CHAT_KIND_SUPPORT).id() == support.id());
  dir::RemoveMemberRoleRequest remove;
  remove.set_school_id(w.school_id);
  remove.set_user_id(deputy);
  remove.set_role(dir::ROLE_ADMIN);
  dir::RemoveMemberRoleResponse removed;
  REQUIRE(f->directory()
              .CallWithToken(&dir::DirectoryService::Stub::RemoveMemberRole,
                             f->directory().Token(w.admin), remove, &removed)
              .ok());
  CHECK(MessagingFixture::Eventually(
      [&] { return !f->ChatOf(deputy, v1::CHAT_KIND_SUPPORT).has_value(); }));

  // Two schools waiting: the one waiting longer comes first, a page at a time.
  f->Send(w.admin, support.id(), "Первый вопрос");
  f->clock().Advance(absl::Minutes(5));
  v1::Chat other_support;
  REQUIRE(
      f->Call(&Stub::OpenSupportChat, other.admin, OpenIn(other.school_id), &other_support).ok());
  f->Send(other.admin, other_support.id(), "Второй вопрос");
  v1::ListSupportChatsResponse first = op.List(1);
  REQUIRE(first.chats_size() == 1);
  CHECK(first.chats(0).chat().id() == support.id());
  REQUIRE_FALSE(first.next_page_token().empty());
  v1::ListSupportChatsResponse second = op.List(1, first.next_page_token());
  REQUIRE(second.chats_size() == 1);
  CHECK(second.chats(0).chat().id() == other_support.id());
  CHECK(second.next_page_token().empty());

  // Operators read any school's moderation log; its teachers do not.
  v1::ListModerationLogRequest log;
  log.set_school_id(w.school_id);
  v1::ListModerationLogResponse entries;
  REQUIRE(op.Call(&Stub::ListModerationLog, log, &entries).ok());
  CHECK_REFUSED(f->Call(&Stub::ListModerationLog, w.teacher, log, &entries), PERMISSION_DENIED,
                "NOT_SCHOOL_ADMIN");
}

}  // namespace
}  // namespace parta::messaging
