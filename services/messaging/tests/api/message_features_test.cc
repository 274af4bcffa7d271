// Polls, awards, forwards, mentions, reactions, pins, attachments and acknowledgements.

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

struct Class {
  SchoolWorld w;
  v1::Chat students;  // the class's students' chat
  v1::Chat parents;   // its parents' chat
  v1::Chat channel;
};

Class MakeClass(MessagingFixture& f) {
  Class c{.w = f.directory().BuildSchool()};
  c.parents = f.WaitForChat(c.w.parent, v1::CHAT_KIND_CLASS_PARENTS, c.w.class_id);
  c.students = f.WaitForChat(c.w.student, v1::CHAT_KIND_CLASS_STUDENTS, c.w.class_id);
  c.channel = f.WaitForChat(c.w.parent, v1::CHAT_KIND_CHANNEL);
  return c;
}

v1::SendMessageRequest Request(const std::string& chat_id) {
  v1::SendMessageRequest request;
  request.set_chat_id(chat_id);
  request.set_request_id(NewUuidV7(absl::Now()));
  return request;
}

TEST_CASE("Polls: 1-10 options, single or multiple choice, anonymous or not, closing",
          "[messaging][api]") {
  PARTA_MESSAGING_FIXTURE(f);
  Class c = MakeClass(*f);
  v1::Message ignored;
  v1::SendMessageRequest bad = Request(c.students.id());
  bad.mutable_poll()->set_question("Куда едем?");
  CHECK_REFUSED(f->Call(&Stub::SendMessage, c.w.teacher, bad, &ignored), INVALID_ARGUMENT,
                "INVALID_POLL");
  for (int i = 0; i < 11; ++i) bad.mutable_poll()->add_options()->set_text("Вариант");
  CHECK_REFUSED(f->Call(&Stub::SendMessage, c.w.teacher, bad, &ignored), INVALID_ARGUMENT,
                "INVALID_POLL");

  v1::SendMessageRequest ask = Request(c.students.id());
  v1::Poll& poll = *ask.mutable_poll();
  poll.set_question("Куда едем на экскурсию?");
  for (const char* option : {"Музей", "Театр", "Зоопарк"}) poll.add_options()->set_text(option);
  v1::Message asked;
  REQUIRE(f->Call(&Stub::SendMessage, c.w.teacher, ask, &asked).ok());
  CHECK(asked.poll().options_size() == 3);

  v1::VotePollRequest vote;
  vote.set_chat_id(c.students.id());
  vote.set_message_id(asked.id());
  vote.add_options(0);
  vote.add_options(1);
  v1::Message voted;
  CHECK_REFUSED(f->Call(&Stub::VotePoll, c.w.student, vote, &voted), INVALID_ARGUMENT,
                "INVALID_VOTE");  // single choice
  vote.clear_options();
  vote.add_options(3);
  CHECK_REFUSED(f->Call(&Stub::VotePoll, c.w.student, vote, &voted), INVALID_ARGUMENT,
                "INVALID_VOTE");
  vote.clear_options();
  vote.add_options(2);
  REQUIRE(f->Call(&Stub::VotePoll, c.w.student, vote, &voted).ok());
  CHECK(voted.poll().voter_count() == 1);
  CHECK(voted.poll().options(2).votes() == 1);
  CHECK(voted.poll().options(2).voter_ids(0) == c.w.student);  // not anonymous
  CHECK(voted.poll().my_choice(0) == 2);
  vote.clear_options();
  vote.add_options(0);  // a changed mind replaces the vote
  REQUIRE(f->Call(&Stub::VotePoll, c.w.student, vote, &voted).ok());
  CHECK(voted.poll().voter_count() == 1);
  CHECK(voted.poll().options(0).votes() == 1);
  CHECK(voted.poll().options(2).votes() == 0);

  // The tally reaches everyone as a change of the chat.
  v1::ListChatChangesRequest changes_request;
  changes_request.set_chat_id(c.students.id());
  changes_request.set_after_sequence(asked.sequence());
  v1::ListChatChangesResponse changes;
  REQUIRE(f->Call(&Stub::ListChatChanges, c.w.teacher, changes_request, &changes).ok());
  REQUIRE(changes.changes_size() == 2);
  CHECK(changes.changes(1).chat_change().poll_changed().poll().options(0).votes() == 1);

  v1::ClosePollRequest close;
  close.set_chat_id(c.students.id());
  close.set_message_id(asked.id());
  CHECK_REFUSED(f->Call(&Stub::ClosePoll, c.w.student, close, &voted), PERMISSION_DENIED,
                "NOT_MESSAGE_AUTHOR");
  REQUIRE(f->Call(&Stub::ClosePoll, c.w.teacher, close, &voted).ok());
  CHECK(voted.poll().closed());
  CHECK_REFUSED(f->Call(&Stub::VotePoll, c.w.student, vote, &voted), FAILED_PRECONDITION,
                "POLL_CLOSED");

  // Anonymous and multiple choice: counts, never names.
  v1::SendMessageRequest secret = Request(c.students.id());
  secret.mutable_poll()->set_question("Что улучшить в классе?");
  secret.mutable_poll()->set_anonymous(true);
  secret.mutable_poll()->set_multiple_choice(true);
  for (const char* option : {"Цветы", "Доска", "Шкаф"}) {
    secret.mutable_poll()->add_options()->set_text(option);
  }
  v1::Message anonymous;
  REQUIRE(f->Call(&Stub::SendMessage, c.w.student, secret, &anonymous).ok());
  vote.set_message_id(anonymous.id());
  vote.clear_options();
  vote.add_options(0);
  vote.add_options(2);
  REQUIRE(f->Call(&Stub::VotePoll, c.w.teacher, vote, &voted).ok());
  CHECK(voted.poll().voter_count() == 1);
  CHECK(voted.poll().options(0).votes() == 1);
  CHECK(voted.poll().options(2).votes() == 1);
  CHECK(voted.poll().options(0).voter_ids_size() == 0);
  REQUIRE(f->Call(&Stub::ListChatChanges, c.w.student, changes_request, &changes).ok());
  const events::v1::Event& last = changes.changes(changes.changes_size() - 1);
  CHECK(last.chat_change().actor_id().empty());  // who voted stays unknown
  CHECK(last.chat_change().poll_changed().poll().options(0).voter_ids_size() == 0);

  // A text is not a poll.
  v1::Message text = f->Send(c.w.student, c.students.id(), "Просто текст");
  vote.set_message_id(text.id());
  CHECK_REFUSED(f->Call(&Stub::VotePoll, c.w.student, vote, &voted), FAILED_PRECONDITION,
                "NOT_A_POLL");
}

TEST_CASE("Awards: a teacher of the chat to a student of the chat", "[messaging][api]") {
  PARTA_MESSAGING_FIXTURE(f);
  Class c = MakeClass(*f);
  v1::SendMessageRequest award = Request(c.students.id());
  award.mutable_award()->set_student_id(c.w.student);
  award.mutable_award()->set_badge(v1::BADGE_OLYMPIAD);
  award.mutable_award()->set_comment("За победу в районной олимпиаде по математике!");
  v1::Message given;
  REQUIRE(f->Call(&Stub::SendMessage, c.w.teacher, award, &given).ok());
  CHECK(given.award().badge() == v1::BADGE_OLYMPIAD);
  CHECK(given.award().student_id() == c.w.student);

  v1::Message ignored;
  v1::SendMessageRequest by_student = award;
  by_student.set_request_id("by-student");
  CHECK_REFUSED(f->Call(&Stub::SendMessage, c.w.student, by_student, &ignored), PERMISSION_DENIED,
                "AWARDS_BY_TEACHERS");
  v1::SendMessageRequest to_teacher = award;
  to_teacher.set_request_id("to-teacher");
  to_teacher.mutable_award()->set_student_id(c.w.teacher);
  CHECK_REFUSED(f->Call(&Stub::SendMessage, c.w.teacher, to_teacher, &ignored), INVALID_ARGUMENT,
                "AWARD_NOT_TO_STUDENT");
  v1::SendMessageRequest no_badge = award;
  no_badge.set_request_id("no-badge");
  no_badge.mutable_award()->set_badge(v1::BADGE_UNSPECIFIED);
  CHECK_REFUSED(f->Call(&Stub::SendMessage, c.w.teacher, no_badge, &ignored), INVALID_ARGUMENT,
                "INVALID_AWARD");
}

TEST_CASE(
    "Mentions of members and of everyone - forwards keep their origin - attachments need a "
    "content service",
    "[messaging][api]") {
  PARTA_MESSAGING_FIXTURE(f);
  Class c = MakeClass(*f);
  v1::Message ignored;
  v1::SendMessageRequest mention = Request(c.students.id());
  mention.mutable_text()->set_body("Вопрос к учителю");
  mention.mutable_text()->add_mentions()->set_user_id(c.w.teacher);
  v1::Message mentioned;
  REQUIRE(f->Call(&Stub::SendMessage, c.w.student, mention, &mentioned).ok());
  CHECK(mentioned.text().mentions(0).user_id() == c.w.teacher);

  v1::SendMessageRequest stranger = Request(c.students.id());
  stranger.mutable_text()->set_body("Привет");
  stranger.mutable_text()->add_mentions()->set_user_id(c.w.parent);  // not in this chat
  CHECK_REFUSED(f->Call(&Stub::SendMessage, c.w.student, stranger, &ignored), INVALID_ARGUMENT,
                "INVALID_MENTION");
  v1::SendMessageRequest everyone = Request(c.students.id());
  everyone.mutable_text()->set_body("Внимание всем!");
  everyone.mutable_text()->add_mentions()->set_all(true);
  CHECK_REFUSED(f->Call(&Stub::SendMessage, c.w.student, everyone, &ignored), PERMISSION_DENIED,
                "MENTION_ALL_NOT_ALLOWED");
  v1::Message announced;
  REQUIRE(f->Call(&Stub::SendMessage, c.w.teacher, everyone, &announced).ok());
  // Nor can the pupil add everyone to his message by editing it; the teacher's edit of his own
  // announcement keeps its @all.
  v1::EditMessageRequest add_everyone;
  add_everyone.set_chat_id(c.students.id());
  add_everyone.set_message_id(mentioned.id());
  add_everyone.mutable_text()->add_mentions()->set_all(true);
  add_everyone.mutable_update_mask()->add_paths("text.mentions");
  CHECK_REFUSED(f->Call(&Stub::EditMessage, c.w.student, add_everyone, &ignored),
                PERMISSION_DENIED, "MENTION_ALL_NOT_ALLOWED");
  add_everyone.set_message_id(announced.id());
  add_everyone.mutable_text()->set_body("Внимание всем! Завтра экскурсия");
  add_everyone.mutable_update_mask()->add_paths("text.body");
  v1::Message reannounced;
  REQUIRE(f->Call(&Stub::EditMessage, c.w.teacher, add_everyone, &reannounced).ok());
  CHECK(reannounced.text().mentions(0).all());

  // The teacher forwards the pupil's question to the parents.
  v1::SendMessageRequest forward = Request(c.parents.id());
  forward.mutable_forward()->set_chat_id(c.students.id());
  forward.mutable_forward()->set_message_id(mentioned.id());
  v1::Message forwarded;
  REQUIRE(f->Call(&Stub::SendMessage, c.w.teacher, forward, &forwarded).ok());
  CHECK(forwarded.text().body() == "Вопрос к учителю");
  CHECK(forwarded.forwarded_from().chat_id() == c.students.id());
  CHECK(forwarded.forwarded_from().message_id() == mentioned.id());
  CHECK(forwarded.forwarded_from().author_id() == c.w.student);
  CHECK(forwarded.author_id() == c.w.teacher);
  // A parent cannot forward from a chat he does not read, nor guess ids.
  v1::SendMessageRequest smuggle = Request(c.parents.id());
  smuggle.mutable_forward()->set_chat_id(c.students.id());
  smuggle.mutable_forward()->set_message_id(mentioned.id());
  CHECK_REFUSED(f->Call(&Stub::SendMessage, c.w.parent, smuggle, &ignored), INVALID_ARGUMENT,
                "FORWARD_NOT_FOUND");

  v1::SendMessageRequest attached = Request(c.students.id());
  attached.mutable_text()->set_body("Домашнее задание во вложении");
  attached.add_attachment_ids(NewUuidV7(absl::Now()));
  // This fixture gives messaging no content service (attachments_test.cc gives one).
  CHECK_REFUSED(f->Call(&Stub::SendMessage, c.w.teacher, attached, &ignored), FAILED_PRECONDITION,
                "CONTENT_SERVICE_UNAVAILABLE");
  attached.clear_attachment_ids();
  attached.add_attachment_ids("homework.pdf");
  CHECK_REFUSED(f->Call(&Stub::SendMessage, c.w.teacher, attached, &ignored), INVALID_ARGUMENT,
                "INVALID_ATTACHMENT");
}

TEST_CASE("Reactions from the fixed set and pins under the chat's settings", "[messaging][api]") {
  PARTA_MESSAGING_FIXTURE(f);
  Class c = MakeClass(*f);
  v1::Message post = f->Send(c.w.admin, c.channel.id(), "Завтра сокращённые уроки");
  v1::ReactToMessageRequest react;
  react.set_chat_id(c.channel.id());
  react.set_message_id(post.id());
  react.set_emoji("👍");
  v1::Message reacted;
  REQUIRE(f->Call(&Stub::ReactToMessage, c.w.parent, react, &reacted).ok());  // readers react
  REQUIRE(f->Call(&Stub::ReactToMessage, c.w.student, react, &reacted).ok());
  REQUIRE(f->Call(&Stub::ReactToMessage, c.w.student, react, &reacted).ok());  // once each
  REQUIRE(reacted.reactions_size() == 1);
  CHECK(reacted.reactions(0).emoji() == "👍");
  CHECK(reacted.reactions(0).count() == 2);
  CHECK(reacted.reactions(0).mine());
  react.set_emoji("💩");
  CHECK_REFUSED(f->Call(&Stub::ReactToMessage, c.w.parent, react, &reacted), INVALID_ARGUMENT,
                "UNKNOWN_REACTION");
  react.set_emoji("👍");
  react.set_remove(true);
  REQUIRE(f->Call(&Stub::ReactToMessage, c.w.parent, react, &reacted).ok());
  CHECK(reacted.reactions(0).count() == 1);
  CHECK_FALSE(reacted.reactions(0).mine());

  v1::PinMessageRequest pin;
  pin.set_chat_id(c.channel.id());
  pin.set_message_id(post.id());
  v1::Message pinned;
  CHECK_REFUSED(f->Call(&Stub::PinMessage, c.w.parent, pin, &pinned), PERMISSION_DENIED,
                "NOT_ALLOWED_BY_SETTINGS");
  REQUIRE(f->Call(&Stub::PinMessage, c.w.teacher, pin, &pinned).ok());
  CHECK(pinned.pinned());
  v1::GetChatRequest get;
  get.set_chat_id(c.channel.id());
  v1::Chat channel;
  REQUIRE(f->Call(&Stub::GetChat, c.w.parent, get, &channel).ok());
  REQUIRE(channel.pinned_message_ids_size() == 1);
  CHECK(channel.pinned_message_ids(0) == post.id());
  pin.set_unpin(true);
  REQUIRE(f->Call(&Stub::PinMessage, c.w.admin, pin, &pinned).ok());
  CHECK_FALSE(pinned.pinned());
}

TEST_CASE("A parents' chat announcement asks for acknowledgement - its author sees who has not",
          "[messaging][api]") {
  PARTA_MESSAGING_FIXTURE(f);
  Class c = MakeClass(*f);
  // A second parent: of a classmate.
  std::string classmate = f->directory().Join(c.w.school_id, f->directory().Token(c.w.teacher),
                                              dir::ROLE_STUDENT, c.w.class_id);
  dir::CreateParentInvitationRequest invite;
  invite.set_school_id(c.w.school_id);
  invite.set_student_id(classmate);
  dir::CreateParentInvitationResponse invitation;
  REQUIRE(f->directory()
              .Call(&dir::DirectoryService::Stub::CreateParentInvitation, classmate, invite,
                    &invitation)
              .ok());
  std::string father = directory::testing::DirectoryFixture::NewUser();
  dir::RedeemInvitationRequest redeem;
  redeem.set_code(invitation.code());
  dir::RedeemInvitationResponse redeemed;
  REQUIRE(f->directory()
              .Call(&dir::DirectoryService::Stub::RedeemInvitation, father, redeem, &redeemed)
              .ok());
  dir::ConfirmParentLinkRequest confirm;
  confirm.set_school_id(c.w.school_id);
  confirm.set_link_id(redeemed.parent_link().id());
  dir::ConfirmParentLinkResponse link;
  REQUIRE(f->directory()
              .Call(&dir::DirectoryService::Stub::ConfirmParentLink, c.w.teacher, confirm, &link)
              .ok());
  f->WaitForChat(father, v1::CHAT_KIND_CLASS_PARENTS, c.w.class_id);

  v1::Message ignored;
  v1::SendMessageRequest asks = Request(c.parents.id());
  asks.mutable_text()->set_body("Родительское собрание в четверг в 18:00. Прошу подтвердить.");
  asks.set_request_acknowledgement(true);
  CHECK_REFUSED(f->Call(&Stub::SendMessage, c.w.parent, asks, &ignored), PERMISSION_DENIED,
                "ACKNOWLEDGEMENT_NOT_ALLOWED");
  v1::Message announcement;
  REQUIRE(f->Call(&Stub::SendMessage, c.w.teacher, asks, &announcement).ok());
  CHECK(announcement.acknowledgement_requested());

  v1::AcknowledgeMessageRequest ack;
  ack.set_chat_id(c.parents.id());
  ack.set_message_id(announcement.id());
  v1::Message acknowledged;
  REQUIRE(f->Call(&Stub::AcknowledgeMessage, c.w.parent, ack, &acknowledged).ok());
  REQUIRE(f->Call(&Stub::AcknowledgeMessage, c.w.parent, ack, &acknowledged).ok());  // again: same

  v1::ListAcknowledgementsRequest list;
  list.set_chat_id(c.parents.id());
  list.set_message_id(announcement.id());
  v1::ListAcknowledgementsResponse who;
  REQUIRE(f->Call(&Stub::ListAcknowledgements, c.w.teacher, list, &who).ok());
  REQUIRE(who.acknowledged_size() == 1);
  CHECK(who.acknowledged(0).user_id() == c.w.parent);
  REQUIRE(who.pending_user_ids_size() == 1);
  CHECK(who.pending_user_ids(0) == father);
  CHECK_REFUSED(f->Call(&Stub::ListAcknowledgements, c.w.parent, list, &who), PERMISSION_DENIED,
                "NOT_MESSAGE_AUTHOR");

  v1::Message plain = f->Send(c.w.teacher, c.parents.id(), "Спасибо!");
  ack.set_message_id(plain.id());
  CHECK_REFUSED(f->Call(&Stub::AcknowledgeMessage, c.w.parent, ack, &acknowledged),
                FAILED_PRECONDITION, "ACKNOWLEDGEMENT_NOT_REQUESTED");
}

}  // namespace
}  // namespace parta::messaging
