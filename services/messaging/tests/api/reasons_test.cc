// The refusals the other api tests do not reach: limits, malformed ids and actions, the
// directory out of reach, and the services the gateway calls for sockets.

#include <catch2/catch.hpp>

#include "libs/core/random.h"
#include "libs/grpc/client.h"
#include "parta/events/v1/events.grpc.pb.h"
#include "services/messaging/tests/messaging_fixture.h"

namespace parta::messaging {
namespace {

using directory::testing::SchoolWorld;
using testing::MessagingFixture;
using Stub = v1::MessagingService::Stub;

TEST_CASE("Limits and malformed requests are refused with their reasons", "[messaging][api]") {
  PARTA_MESSAGING_FIXTURE(f);
  SchoolWorld w = f->directory().BuildSchool();
  v1::Chat chat = f->WaitForChat(w.student, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id);

  v1::SyncRequest sync;
  for (int i = 0; i < 2001; ++i) sync.add_cursors()->set_chat_id(chat.id());
  v1::SyncResponse synced;
  CHECK_REFUSED(f->Call(&Stub::Sync, w.student, sync, &synced), INVALID_ARGUMENT,
                "TOO_MANY_CURSORS");

  v1::CreateGroupChatRequest create;
  create.set_school_id("school-5");
  create.set_title("Кружок");
  v1::Chat group;
  CHECK_REFUSED(f->Call(&Stub::CreateGroupChat, w.teacher, create, &group), INVALID_ARGUMENT,
                "INVALID_SCHOOL_ID");
  create.set_school_id(w.school_id);
  for (int i = 0; i < 500; ++i) create.add_member_ids(NewUuidV7(absl::Now()));
  CHECK_REFUSED(f->Call(&Stub::CreateGroupChat, w.teacher, create, &group), INVALID_ARGUMENT,
                "TOO_MANY_MEMBERS");

  create.clear_member_ids();
  create.add_member_ids(w.student);
  REQUIRE(f->Call(&Stub::CreateGroupChat, w.teacher, create, &group).ok());
  v1::SetChatMemberRoleRequest promote;
  promote.set_chat_id(group.id());
  promote.set_user_id(w.student);
  promote.set_role(v1::CHAT_ROLE_OWNER);
  v1::ChatMember member;
  CHECK_REFUSED(f->Call(&Stub::SetChatMemberRole, w.teacher, promote, &member), INVALID_ARGUMENT,
                "INVALID_ROLE");
  promote.set_role(v1::CHAT_ROLE_MODERATOR);
  promote.set_user_id(w.parent);  // not in the group
  CHECK_REFUSED(f->Call(&Stub::SetChatMemberRole, w.teacher, promote, &member), NOT_FOUND,
                "MEMBER_NOT_FOUND");

  // Only text is edited; a deleted message takes no reaction.
  v1::SendMessageRequest ask;
  ask.set_chat_id(chat.id());
  ask.set_request_id("poll");
  ask.mutable_poll()->set_question("Контрольная в среду?");
  ask.mutable_poll()->add_options()->set_text("Да");
  v1::Message poll;
  REQUIRE(f->Call(&Stub::SendMessage, w.teacher, ask, &poll).ok());
  v1::EditMessageRequest edit;
  edit.set_chat_id(chat.id());
  edit.set_message_id(poll.id());
  edit.mutable_text()->set_body("Текст");
  edit.mutable_update_mask()->add_paths("text");
  v1::Message ignored;
  CHECK_REFUSED(f->Call(&Stub::EditMessage, w.teacher, edit, &ignored), FAILED_PRECONDITION,
                "NOT_TEXT");
  v1::DeleteMessageRequest remove;
  remove.set_chat_id(chat.id());
  remove.set_message_id(poll.id());
  REQUIRE(f->Call(&Stub::DeleteMessage, w.teacher, remove, &ignored).ok());
  v1::ReactToMessageRequest react;
  react.set_chat_id(chat.id());
  react.set_message_id(poll.id());
  react.set_emoji("👍");
  CHECK_REFUSED(f->Call(&Stub::ReactToMessage, w.student, react, &ignored), FAILED_PRECONDITION,
                "MESSAGE_DELETED");
  react.set_message_id("not-an-id");
  CHECK_REFUSED(f->Call(&Stub::ReactToMessage, w.student, react, &ignored), INVALID_ARGUMENT,
                "INVALID_MESSAGE_ID");

  v1::ResolveReportRequest resolve;
  resolve.set_school_id(w.school_id);
  resolve.set_report_id(NewUuidV7(absl::Now()));
  v1::Report report;
  CHECK_REFUSED(f->Call(&Stub::ResolveReport, w.admin, resolve, &report), INVALID_ARGUMENT,
                "INVALID_ACTION");
}

TEST_CASE("Direct chats need the directory: out of reach, they are refused as unavailable",
          "[messaging][api]") {
  PARTA_MESSAGING_FIXTURE(f);
  SchoolWorld w = f->directory().BuildSchool();
  f->WaitForChat(w.parent, v1::CHAT_KIND_CLASS_PARENTS, w.class_id);
  f->directory().app().Shutdown(absl::ZeroDuration());
  v1::OpenDirectChatRequest open;
  open.set_school_id(w.school_id);
  open.set_user_id(w.student);
  v1::Chat direct;
  CHECK_REFUSED(f->Call(&Stub::OpenDirectChat, w.teacher, open, &direct), UNAVAILABLE,
                "DIRECTORY_UNAVAILABLE");
}

TEST_CASE("The services the gateway calls for sockets: subscriptions, typing, acknowledgements",
          "[messaging][api]") {
  PARTA_MESSAGING_FIXTURE(f);
  SchoolWorld w = f->directory().BuildSchool();
  v1::Chat students = f->WaitForChat(w.student, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id);
  v1::Chat channel = f->WaitForChat(w.student, v1::CHAT_KIND_CHANNEL);
  std::shared_ptr<::grpc::Channel> connection =
      grpc::MakeChannel("127.0.0.1:" + std::to_string(f->port()));
  auto subscriptions = events::v1::SubscriptionService::NewStub(connection);
  auto signals = events::v1::ClientSignalService::NewStub(connection);
  auto context = [&](const std::string& user) {
    return directory::testing::DirectoryFixture::Context(f->Token(user));
  };

  events::v1::ListMySubscriptionsResponse channels;
  REQUIRE(subscriptions
              ->ListMySubscriptions(context(w.student).get(),
                                    events::v1::ListMySubscriptionsRequest(), &channels)
              .ok());
  std::vector<std::string> followed(channels.channels().begin(), channels.channels().end());
  std::sort(followed.begin(), followed.end());
  std::vector<std::string> expected = {"parta:chat:" + students.id(), "parta:chat:" + channel.id()};
  std::sort(expected.begin(), expected.end());
  CHECK(followed == expected);

  events::v1::SendTypingRequest typing;
  typing.set_chat_id(students.id());
  events::v1::SendTypingResponse typed;
  CHECK(signals->SendTyping(context(w.student).get(), typing, &typed).ok());
  CHECK_REFUSED(signals->SendTyping(context(w.parent).get(), typing, &typed), PERMISSION_DENIED,
                "NOT_CHAT_MEMBER");
  typing.set_chat_id(channel.id());
  CHECK_REFUSED(signals->SendTyping(context(w.student).get(), typing, &typed), PERMISSION_DENIED,
                "READ_ONLY_MEMBER");

  v1::Message message = f->Send(w.teacher, students.id(), "Прочитайте до конца");
  events::v1::AcknowledgeRequest ack;
  ack.set_stream("user/" + w.student);
  ack.set_sequence(message.sequence());
  events::v1::AcknowledgeResponse acked;
  CHECK_REFUSED(signals->Acknowledge(context(w.student).get(), ack, &acked), INVALID_ARGUMENT,
                "INVALID_STREAM");
  ack.set_stream("chat/" + students.id());
  REQUIRE(signals->Acknowledge(context(w.student).get(), ack, &acked).ok());
  CHECK(f->ChatOf(w.student, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id)->read_sequence() ==
        message.sequence());
  CHECK_REFUSED(signals->Acknowledge(context(w.parent).get(), ack, &acked), PERMISSION_DENIED,
                "NOT_CHAT_MEMBER");
}

}  // namespace
}  // namespace parta::messaging
