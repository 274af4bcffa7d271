// Messages, history, read cursors and sync: every RPC and its reasons.

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "libs/core/random.h"
#include "libs/core/status.h"
#include "prometheus/registry.h"
#include "services/messaging/chats/send_batcher.h"
#include "services/messaging/tests/messaging_fixture.h"

namespace parta::messaging {
namespace {

using directory::testing::ReasonOf;
using directory::testing::SchoolWorld;
using testing::MessagingFixture;
namespace dir = directory::v1;
using Stub = v1::MessagingService::Stub;

struct ClassChat {
  SchoolWorld world;
  std::string classmate;
  v1::Chat chat;  // the class's students' chat
};

ClassChat MakeClassChat(MessagingFixture& f) {
  ClassChat c;
  c.world = f.directory().BuildSchool();
  c.classmate = f.directory().Join(c.world.school_id, f.directory().Token(c.world.teacher),
                                   dir::ROLE_STUDENT, c.world.class_id);
  c.chat = f.WaitForChat(c.classmate, v1::CHAT_KIND_CLASS_STUDENTS, c.world.class_id);
  return c;
}

v1::SendMessageRequest TextRequest(const std::string& chat_id, const std::string& request_id,
                                   const std::string& text) {
  v1::SendMessageRequest request;
  request.set_chat_id(chat_id);
  request.set_request_id(request_id);
  request.mutable_text()->set_body(text);
  return request;
}

TEST_CASE("Sending: a sequence per message, idempotent retries, a reused id refused",
          "[messaging][api]") {
  PARTA_MESSAGING_FIXTURE(f);
  ClassChat c = MakeClassChat(*f);
  v1::Message first = f->Send(c.world.student, c.chat.id(), "Кто решил задачу № 5?", "req-1");
  CHECK(first.author_id() == c.world.student);
  CHECK(first.sequence() > c.chat.last_sequence() - 1);
  CHECK(first.text().body() == "Кто решил задачу № 5?");
  CHECK(first.request_id() == "req-1");

  v1::Message retry = f->Send(c.world.student, c.chat.id(), "Кто решил задачу № 5?", "req-1");
  CHECK(retry.id() == first.id());
  CHECK(retry.sequence() == first.sequence());

  v1::Message ignored;
  CHECK_REFUSED(f->Call(&Stub::SendMessage, c.world.student,
                        TextRequest(c.chat.id(), "req-1", "Другой текст"), &ignored),
                ALREADY_EXISTS, "REQUEST_ID_REUSED");
  // Another author may use the same request id.
  v1::Message other = f->Send(c.classmate, c.chat.id(), "Я решил!", "req-1");
  CHECK(other.id() != first.id());
  CHECK(other.sequence() == first.sequence() + 1);

  v1::SendMessageRequest reply = TextRequest(c.chat.id(), "req-2", "Спасибо!");
  reply.set_reply_to_message_id(other.id());
  v1::Message answered;
  REQUIRE(f->Call(&Stub::SendMessage, c.world.student, reply, &answered).ok());
  CHECK(answered.reply_to_message_id() == other.id());

  v1::ListMessagesRequest history;
  history.set_chat_id(c.chat.id());
  v1::ListMessagesResponse page;
  REQUIRE(f->Call(&Stub::ListMessages, c.world.teacher, history, &page).ok());
  REQUIRE(page.messages_size() == 3);  // newest first
  CHECK(page.messages(0).id() == answered.id());
  CHECK(page.messages(2).id() == first.id());
  CHECK_FALSE(page.has_more());
  history.set_page_size(1);
  history.set_before_sequence(answered.sequence());
  REQUIRE(f->Call(&Stub::ListMessages, c.world.teacher, history, &page).ok());
  REQUIRE(page.messages_size() == 1);
  CHECK(page.messages(0).id() == other.id());
  CHECK(page.has_more());
  history.set_before_sequence(0);
  history.set_after_sequence(first.sequence());
  history.set_page_size(10);
  REQUIRE(f->Call(&Stub::ListMessages, c.world.teacher, history, &page).ok());
  REQUIRE(page.messages_size() == 2);  // oldest first
  CHECK(page.messages(0).id() == other.id());
}

TEST_CASE("Bad messages are refused with a reason and leave nothing behind", "[messaging][api]") {
  PARTA_MESSAGING_FIXTURE(f);
  ClassChat c = MakeClassChat(*f);
  v1::Message ignored;
  auto send = [&](const v1::SendMessageRequest& request) {
    return f->Call(&Stub::SendMessage, c.world.student, request, &ignored);
  };
  CHECK_REFUSED(send(TextRequest(c.chat.id(), "a", "")), INVALID_ARGUMENT, "EMPTY_MESSAGE");
  CHECK_REFUSED(send(TextRequest(c.chat.id(), "b", "   ")), INVALID_ARGUMENT, "EMPTY_MESSAGE");
  std::string too_long;
  for (int i = 0; i < 9001; ++i) too_long += "ы";
  CHECK_REFUSED(send(TextRequest(c.chat.id(), "c", too_long)), INVALID_ARGUMENT, "TEXT_TOO_LONG");
  CHECK_REFUSED(send(TextRequest(c.chat.id(), "", "текст")), INVALID_ARGUMENT,
                "INVALID_REQUEST_ID");
  CHECK_REFUSED(send(TextRequest("not-a-chat", "d", "текст")), INVALID_ARGUMENT, "INVALID_CHAT_ID");
  v1::SendMessageRequest empty;
  empty.set_chat_id(c.chat.id());
  empty.set_request_id("e");
  CHECK_REFUSED(send(empty), INVALID_ARGUMENT, "EMPTY_MESSAGE");
  v1::SendMessageRequest reply = TextRequest(c.chat.id(), "f", "ответ");
  reply.set_reply_to_message_id(NewUuidV7(absl::Now()));
  CHECK_REFUSED(send(reply), INVALID_ARGUMENT, "REPLY_NOT_FOUND");

  v1::ListMessagesRequest history;
  history.set_chat_id(c.chat.id());
  v1::ListMessagesResponse page;
  REQUIRE(f->Call(&Stub::ListMessages, c.world.student, history, &page).ok());
  CHECK(page.messages_size() == 0);
  v1::Chat now;
  v1::GetChatRequest get;
  get.set_chat_id(c.chat.id());
  REQUIRE(f->Call(&Stub::GetChat, c.world.student, get, &now).ok());
  CHECK(now.last_sequence() == c.chat.last_sequence());  // no sequence spent
  history.set_page_size(201);
  CHECK_REFUSED(f->Call(&Stub::ListMessages, c.world.student, history, &page), INVALID_ARGUMENT,
                "INVALID_PAGE");
}

TEST_CASE("Who is not a member reads, writes, edits and syncs nothing of a chat",
          "[messaging][api]") {
  PARTA_MESSAGING_FIXTURE(f);
  ClassChat c = MakeClassChat(*f);
  v1::Message message = f->Send(c.world.student, c.chat.id(), "Только для класса");
  // A parent is not in the students' chat; an unknown chat id is refused the same way.
  for (const std::string& chat_id : {c.chat.id(), NewUuidV7(absl::Now())}) {
    INFO(chat_id);
    const std::string& outsider = c.world.parent;
    v1::Message ignored;
    CHECK_REFUSED(
        f->Call(&Stub::SendMessage, outsider, TextRequest(chat_id, "x", "Привет"), &ignored),
        PERMISSION_DENIED, "NOT_CHAT_MEMBER");
    v1::ListMessagesRequest history;
    history.set_chat_id(chat_id);
    v1::ListMessagesResponse page;
    CHECK_REFUSED(f->Call(&Stub::ListMessages, outsider, history, &page), PERMISSION_DENIED,
                  "NOT_CHAT_MEMBER");
    v1::GetChatRequest get;
    get.set_chat_id(chat_id);
    v1::Chat chat;
    CHECK_REFUSED(f->Call(&Stub::GetChat, outsider, get, &chat), PERMISSION_DENIED,
                  "NOT_CHAT_MEMBER");
    v1::EditMessageRequest edit;
    edit.set_chat_id(chat_id);
    edit.set_message_id(message.id());
    edit.mutable_text()->set_body("Взлом");
    edit.mutable_update_mask()->add_paths("text");
    CHECK_REFUSED(f->Call(&Stub::EditMessage, outsider, edit, &ignored), PERMISSION_DENIED,
                  "NOT_CHAT_MEMBER");
    v1::DeleteMessageRequest remove;
    remove.set_chat_id(chat_id);
    remove.set_message_id(message.id());
    CHECK_REFUSED(f->Call(&Stub::DeleteMessage, outsider, remove, &ignored), PERMISSION_DENIED,
                  "NOT_CHAT_MEMBER");
    v1::MarkReadRequest read;
    read.set_chat_id(chat_id);
    read.set_sequence(1);
    CHECK_REFUSED(f->Call(&Stub::MarkRead, outsider, read, &chat), PERMISSION_DENIED,
                  "NOT_CHAT_MEMBER");
    v1::ListChatChangesRequest changes_request;
    changes_request.set_chat_id(chat_id);
    v1::ListChatChangesResponse changes;
    CHECK_REFUSED(f->Call(&Stub::ListChatChanges, outsider, changes_request, &changes),
                  PERMISSION_DENIED, "NOT_CHAT_MEMBER");
    v1::SyncRequest sync;
    sync.add_cursors()->set_chat_id(chat_id);
    v1::SyncResponse synced;
    REQUIRE(f->Call(&Stub::Sync, outsider, sync, &synced).ok());
    REQUIRE(synced.removed_chat_ids_size() == 1);
    for (const v1::ChatSync& chat_sync : synced.chats()) CHECK(chat_sync.chat().id() != chat_id);
  }
  // A message id of another chat is not found in this one.
  v1::Chat parents = f->WaitForChat(c.world.parent, v1::CHAT_KIND_CLASS_PARENTS, c.world.class_id);
  v1::EditMessageRequest edit;
  edit.set_chat_id(parents.id());
  edit.set_message_id(message.id());
  edit.mutable_text()->set_body("Подмена");
  edit.mutable_update_mask()->add_paths("text");
  v1::Message ignored;
  CHECK_REFUSED(f->Call(&Stub::EditMessage, c.world.teacher, edit, &ignored), NOT_FOUND,
                "MESSAGE_NOT_FOUND");
}

TEST_CASE("The channel: readers read, admins and teachers post", "[messaging][api]") {
  PARTA_MESSAGING_FIXTURE(f);
  SchoolWorld w = f->directory().BuildSchool();
  f->WaitForChat(w.parent, v1::CHAT_KIND_CLASS_PARENTS, w.class_id);
  v1::Chat channel = f->WaitForChat(w.parent, v1::CHAT_KIND_CHANNEL);
  f->Send(w.admin, channel.id(), "Завтра линейка в 9:00");
  f->Send(w.teacher, channel.id(), "Не забудьте форму");
  v1::Message ignored;
  for (const std::string& reader : {w.student, w.parent, w.employee}) {
    CHECK_REFUSED(
        f->Call(&Stub::SendMessage, reader, TextRequest(channel.id(), "r", "Можно?"), &ignored),
        PERMISSION_DENIED, "READ_ONLY_MEMBER");
    v1::ListMessagesRequest history;
    history.set_chat_id(channel.id());
    v1::ListMessagesResponse page;
    REQUIRE(f->Call(&Stub::ListMessages, reader, history, &page).ok());
    CHECK(page.messages_size() == 2);
  }
}

TEST_CASE("EditMessage changes only what its update_mask names", "[messaging][api]") {
  PARTA_MESSAGING_FIXTURE(f);
  ClassChat c = MakeClassChat(*f);
  v1::SendMessageRequest question = TextRequest(c.chat.id(), "ask-1", "Когда контрольная?");
  question.mutable_text()->add_mentions()->set_user_id(c.world.teacher);
  v1::Message asked;
  REQUIRE(f->Call(&Stub::SendMessage, c.world.student, question, &asked).ok());

  v1::EditMessageRequest edit;
  edit.set_chat_id(c.chat.id());
  edit.set_message_id(asked.id());
  edit.mutable_text()->set_body("Когда контрольная по алгебре?");
  // As UpdateChat: no mask, or a path of no editable field, is refused and changes nothing.
  v1::EditMessageResponse response;
  CHECK_REFUSED(f->Call(&Stub::EditMessage, c.world.student, edit, &response), INVALID_ARGUMENT,
                "INVALID_UPDATE_MASK");
  for (const char* path : {"author_id", "text.nothing", "poll", "body"}) {
    edit.mutable_update_mask()->Clear();
    edit.mutable_update_mask()->add_paths("text.body");
    edit.mutable_update_mask()->add_paths(path);
    INFO(path);
    CHECK_REFUSED(f->Call(&Stub::EditMessage, c.world.student, edit, &response), INVALID_ARGUMENT,
                  "INVALID_UPDATE_MASK");
  }

  // The body alone: the mentions stay.
  edit.mutable_update_mask()->Clear();
  edit.mutable_update_mask()->add_paths("text.body");
  REQUIRE(f->Call(&Stub::EditMessage, c.world.student, edit, &response).ok());
  CHECK(response.message().id() == asked.id());
  CHECK(response.message().text().body() == "Когда контрольная по алгебре?");
  REQUIRE(response.message().text().mentions_size() == 1);
  CHECK(response.message().text().mentions(0).user_id() == c.world.teacher);
  CHECK(response.message().has_edit_time());

  // The mentions alone: the body stays, whatever the request's body says (even empty).
  edit.mutable_update_mask()->Clear();
  edit.mutable_update_mask()->add_paths("text.mentions");
  edit.mutable_text()->Clear();
  REQUIRE(f->Call(&Stub::EditMessage, c.world.student, edit, &response).ok());
  CHECK(response.message().text().body() == "Когда контрольная по алгебре?");
  CHECK(response.message().text().mentions_size() == 0);

  // "text" is both: an empty body is then refused, like a send's.
  edit.mutable_update_mask()->Clear();
  edit.mutable_update_mask()->add_paths("text");
  CHECK_REFUSED(f->Call(&Stub::EditMessage, c.world.student, edit, &response), INVALID_ARGUMENT,
                "EMPTY_MESSAGE");
  edit.mutable_text()->set_body("Контрольная в пятницу?");
  edit.mutable_text()->add_mentions()->set_user_id(c.world.teacher);
  REQUIRE(f->Call(&Stub::EditMessage, c.world.student, edit, &response).ok());
  CHECK(response.message().text().body() == "Контрольная в пятницу?");
  CHECK(response.message().text().mentions_size() == 1);
  // A mention of someone outside the chat is checked only when the mentions change.
  edit.mutable_text()->mutable_mentions(0)->set_user_id(c.world.parent);
  CHECK_REFUSED(f->Call(&Stub::EditMessage, c.world.student, edit, &response), INVALID_ARGUMENT,
                "INVALID_MENTION");

  // The chat's history holds the message as the last edit left it.
  v1::ListMessagesRequest history;
  history.set_chat_id(c.chat.id());
  history.set_after_sequence(asked.sequence() - 1);
  history.set_page_size(1);
  v1::ListMessagesResponse page;
  REQUIRE(f->Call(&Stub::ListMessages, c.world.teacher, history, &page).ok());
  REQUIRE(page.messages_size() == 1);
  CHECK(page.messages(0).text().body() == "Контрольная в пятницу?");
  CHECK(page.messages(0).text().mentions(0).user_id() == c.world.teacher);
}

TEST_CASE("Every RPC that changes or reads one thing answers it in a response of its own",
          "[messaging][api]") {
  PARTA_MESSAGING_FIXTURE(f);
  ClassChat c = MakeClassChat(*f);
  v1::SendMessageResponse sent;
  REQUIRE(f->Call(&Stub::SendMessage, c.world.student,
                  TextRequest(c.chat.id(), "own-1", "Всем привет"), &sent)
              .ok());
  CHECK(sent.message().text().body() == "Всем привет");
  CHECK(sent.message().author_id() == c.world.student);
  v1::GetChatRequest get;
  get.set_chat_id(c.chat.id());
  v1::GetChatResponse got;
  REQUIRE(f->Call(&Stub::GetChat, c.world.student, get, &got).ok());
  CHECK(got.chat().id() == c.chat.id());
  CHECK(got.chat().last_sequence() == sent.message().sequence());
  v1::MarkReadRequest read;
  read.set_chat_id(c.chat.id());
  read.set_sequence(sent.message().sequence());
  v1::MarkReadResponse marked;
  REQUIRE(f->Call(&Stub::MarkRead, c.classmate, read, &marked).ok());
  CHECK(marked.chat().read_sequence() == sent.message().sequence());
  v1::ReactToMessageRequest react;
  react.set_chat_id(c.chat.id());
  react.set_message_id(sent.message().id());
  react.set_emoji("👍");
  v1::ReactToMessageResponse reacted;
  REQUIRE(f->Call(&Stub::ReactToMessage, c.classmate, react, &reacted).ok());
  REQUIRE(reacted.message().reactions_size() == 1);
  CHECK(reacted.message().reactions(0).mine());
}

TEST_CASE("Edits and deletions take sequences - the deleted disappears from history and sync",
          "[messaging][api]") {
  PARTA_MESSAGING_FIXTURE(f);
  ClassChat c = MakeClassChat(*f);
  v1::Message typo = f->Send(c.world.student, c.chat.id(), "Превет");
  v1::Message rude = f->Send(c.classmate, c.chat.id(), "Грубость");

  v1::EditMessageRequest edit;
  edit.set_chat_id(c.chat.id());
  edit.set_message_id(typo.id());
  edit.mutable_text()->set_body("Привет");
  edit.mutable_update_mask()->add_paths("text");
  v1::Message edited;
  CHECK_REFUSED(f->Call(&Stub::EditMessage, c.classmate, edit, &edited), PERMISSION_DENIED,
                "NOT_MESSAGE_AUTHOR");
  REQUIRE(f->Call(&Stub::EditMessage, c.world.student, edit, &edited).ok());
  CHECK(edited.text().body() == "Привет");
  CHECK(edited.has_edit_time());
  CHECK(edited.sequence() == typo.sequence());

  v1::DeleteMessageRequest remove;
  remove.set_chat_id(c.chat.id());
  remove.set_message_id(rude.id());
  v1::Message deleted;
  CHECK_REFUSED(f->Call(&Stub::DeleteMessage, c.world.student, remove, &deleted), PERMISSION_DENIED,
                "NOT_MESSAGE_AUTHOR");
  REQUIRE(f->Call(&Stub::DeleteMessage, c.world.teacher, remove, &deleted).ok());  // moderator
  CHECK(deleted.deleted());
  CHECK_FALSE(deleted.has_text());
  REQUIRE(f->Call(&Stub::DeleteMessage, c.world.teacher, remove, &deleted).ok());  // again: same
  edit.set_message_id(rude.id());
  edit.mutable_text()->set_body("Исправлено");
  CHECK_REFUSED(f->Call(&Stub::EditMessage, c.classmate, edit, &edited), FAILED_PRECONDITION,
                "MESSAGE_DELETED");

  // The author's own deletion window.
  v1::Message old = f->Send(c.classmate, c.chat.id(), "Старое");
  f->clock().Advance(absl::Hours(25));
  remove.set_message_id(old.id());
  CHECK_REFUSED(f->Call(&Stub::DeleteMessage, c.classmate, remove, &deleted), PERMISSION_DENIED,
                "DELETE_WINDOW_PASSED");

  // A client that saw everything up to before the two messages syncs: the edit, then the
  // deletion; the rude message arrives as a tombstone only.
  v1::SyncRequest sync;
  v1::ChatCursor& cursor = *sync.add_cursors();
  cursor.set_chat_id(c.chat.id());
  cursor.set_sequence(typo.sequence() - 1);
  v1::SyncResponse synced;
  REQUIRE(f->Call(&Stub::Sync, c.world.student, sync, &synced).ok());
  const v1::ChatSync* chat_sync = nullptr;
  for (const v1::ChatSync& candidate : synced.chats()) {
    if (candidate.chat().id() == c.chat.id()) chat_sync = &candidate;
  }
  REQUIRE(chat_sync != nullptr);
  std::vector<std::string> kinds;
  int64_t expected = typo.sequence();
  for (const events::v1::Event& event : chat_sync->changes()) {
    CHECK(event.sequence() == expected++);  // in order, without gaps
    CHECK(event.stream() == "chat/" + c.chat.id());
    const events::v1::ChatChange& change = event.chat_change();
    if (change.has_message_posted()) {
      kinds.push_back("posted");
      if (change.message_posted().id() == rude.id()) {
        CHECK(change.message_posted().deleted());
        CHECK_FALSE(change.message_posted().has_text());  // its content never leaves again
      }
    } else if (change.has_message_edited()) {
      kinds.push_back("edited");
    } else if (change.has_message_deleted()) {
      kinds.push_back("deleted");
      CHECK(change.message_deleted().message_id() == rude.id());
    } else {
      kinds.push_back("other");
    }
  }
  CHECK(kinds == std::vector<std::string>{"posted", "posted", "edited", "deleted", "posted"});
  CHECK(chat_sync->chat().last_sequence() == expected - 1);

  v1::ListMessagesRequest history;
  history.set_chat_id(c.chat.id());
  v1::ListMessagesResponse page;
  REQUIRE(f->Call(&Stub::ListMessages, c.world.student, history, &page).ok());
  REQUIRE(page.messages_size() == 3);
  CHECK(page.messages(1).deleted());
  CHECK_FALSE(page.messages(1).has_text());
}

// The chat's changes after `after` as `reader` reads them.
std::vector<events::v1::Event> ChangesAfter(MessagingFixture& f, const std::string& reader,
                                            const std::string& chat_id, int64_t after) {
  v1::ListChatChangesRequest request;
  request.set_chat_id(chat_id);
  request.set_after_sequence(after);
  v1::ListChatChangesResponse response;
  ::grpc::Status status = f.Call(&Stub::ListChatChanges, reader, request, &response);
  INFO(status.error_message());
  REQUIRE(status.ok());
  return {response.changes().begin(), response.changes().end()};
}

// Whether any of the changes carries `text`.
bool Shows(const std::vector<events::v1::Event>& events, const std::string& text) {
  for (const events::v1::Event& event : events) {
    if (absl::StrContains(event.SerializeAsString(), text)) return true;
  }
  return false;
}

TEST_CASE("The change log redacts by message: a deleted one everywhere, replaced versions and "
          "what precedes a reader's history never",
          "[messaging][api]") {
  PARTA_MESSAGING_FIXTURE(f);
  ClassChat c = MakeClassChat(*f);
  v1::Message gone = f->Send(c.classmate, c.chat.id(), "Тайна номер один");
  v1::Message kept = f->Send(c.world.student, c.chat.id(), "Черновик ответа");
  auto edit = [&](const std::string& author, const v1::Message& message, const std::string& text) {
    v1::EditMessageRequest request;
    request.set_chat_id(message.chat_id());
    request.set_message_id(message.id());
    request.mutable_text()->set_body(text);
    request.mutable_update_mask()->add_paths("text");
    v1::Message edited;
    REQUIRE(f->Call(&Stub::EditMessage, author, request, &edited).ok());
  };
  edit(c.classmate, gone, "Тайна номер два");
  edit(c.world.student, kept, "Почти ответ");
  edit(c.world.student, kept, "Ответ: 42");
  v1::DeleteMessageRequest remove;
  remove.set_chat_id(c.chat.id());
  remove.set_message_id(gone.id());
  v1::Message deleted;
  REQUIRE(f->Call(&Stub::DeleteMessage, c.classmate, remove, &deleted).ok());

  // From any cursor, before the message or after its post, no change shows the deleted text.
  for (int64_t after : {int64_t{0}, gone.sequence() - 1, gone.sequence(), kept.sequence()}) {
    INFO("after " << after);
    std::vector<events::v1::Event> changes = ChangesAfter(*f, c.world.student, c.chat.id(), after);
    REQUIRE_FALSE(changes.empty());
    CHECK_FALSE(Shows(changes, "Тайна"));
    // Only the current version of the kept message; earlier ones are for moderators.
    CHECK_FALSE(Shows(changes, "Черновик"));
    CHECK_FALSE(Shows(changes, "Почти"));
    CHECK(Shows(changes, "Ответ: 42"));
    for (const events::v1::Event& event : changes) {
      const events::v1::ChatChange& change = event.chat_change();
      if (change.has_message_edited() && change.message_edited().id() == gone.id()) {
        CHECK(change.message_edited().deleted());
      }
    }
  }
  v1::SyncRequest sync;
  v1::ChatCursor& cursor = *sync.add_cursors();
  cursor.set_chat_id(c.chat.id());
  cursor.set_sequence(gone.sequence());
  v1::SyncResponse synced;
  REQUIRE(f->Call(&Stub::Sync, c.world.student, sync, &synced).ok());
  CHECK_FALSE(absl::StrContains(synced.SerializeAsString(), "Тайна"));
  CHECK_FALSE(absl::StrContains(synced.SerializeAsString(), "Почти"));

  // A group that shows a newcomer no history: edits and poll tallies of older messages reach
  // nobody with their content (the channel is shared), and the newcomer never reads them.
  v1::CreateGroupChatRequest create;
  create.set_school_id(c.world.school_id);
  create.set_title("Кружок");
  create.add_member_ids(c.world.student);
  v1::Chat group;
  REQUIRE(f->Call(&Stub::CreateGroupChat, c.world.teacher, create, &group).ok());
  v1::Message before = f->Send(c.world.teacher, group.id(), "Старая новость");
  v1::SendMessageRequest ask;
  ask.set_chat_id(group.id());
  ask.set_request_id("poll");
  ask.mutable_poll()->set_question("Старый опрос?");
  ask.mutable_poll()->add_options()->set_text("Да");
  ask.mutable_poll()->add_options()->set_text("Нет");
  v1::Message poll;
  REQUIRE(f->Call(&Stub::SendMessage, c.world.teacher, ask, &poll).ok());
  v1::UpdateChatRequest settings;
  settings.mutable_chat()->set_id(group.id());
  settings.mutable_chat()->mutable_settings()->set_newcomer_history(v1::NEWCOMER_HISTORY_NONE);
  settings.mutable_update_mask()->add_paths("settings");
  v1::Chat updated;
  REQUIRE(f->Call(&Stub::UpdateChat, c.world.teacher, settings, &updated).ok());
  v1::AddChatMembersRequest add;
  add.set_chat_id(group.id());
  add.add_user_ids(c.world.employee);
  v1::AddChatMembersResponse added;
  REQUIRE(f->Call(&Stub::AddChatMembers, c.world.teacher, add, &added).ok());

  const int64_t joined = ChangesAfter(*f, c.world.teacher, group.id(), 0).back().sequence();
  edit(c.world.teacher, before, "Старая новость, исправленная");
  v1::VotePollRequest vote;
  vote.set_chat_id(group.id());
  vote.set_message_id(poll.id());
  vote.add_options(0);
  v1::Message voted;
  REQUIRE(f->Call(&Stub::VotePoll, c.world.student, vote, &voted).ok());
  CHECK(voted.poll().question() == "Старый опрос?");  // the voter reads it in the answer

  std::vector<events::v1::Event> newcomer = ChangesAfter(*f, c.world.employee, group.id(), 0);
  REQUIRE_FALSE(newcomer.empty());
  CHECK_FALSE(Shows(newcomer, "Старая"));
  CHECK_FALSE(Shows(newcomer, "Старый"));
  // What was written for the channel carries no content either; members who may read the
  // message fetch it from history.
  std::vector<events::v1::Event> member = ChangesAfter(*f, c.world.student, group.id(), joined);
  REQUIRE(member.size() >= 2);
  CHECK_FALSE(Shows(member, "Старая"));
  CHECK_FALSE(Shows(member, "Старый"));
  v1::ListMessagesRequest fetch;
  fetch.set_chat_id(group.id());
  fetch.set_after_sequence(before.sequence() - 1);
  fetch.set_page_size(1);
  v1::ListMessagesResponse fetched;
  REQUIRE(f->Call(&Stub::ListMessages, c.world.student, fetch, &fetched).ok());
  REQUIRE(fetched.messages_size() == 1);
  CHECK(fetched.messages(0).text().body() == "Старая новость, исправленная");
}

TEST_CASE("Read cursors: unread counts, forward only, every move a change", "[messaging][api]") {
  PARTA_MESSAGING_FIXTURE(f);
  ClassChat c = MakeClassChat(*f);
  f->Send(c.world.student, c.chat.id(), "Раз");
  v1::Message second = f->Send(c.world.student, c.chat.id(), "Два");
  f->Send(c.classmate, c.chat.id(), "Моё");  // one's own messages are never unread

  v1::Chat chat = *f->ChatOf(c.classmate, v1::CHAT_KIND_CLASS_STUDENTS, c.world.class_id);
  CHECK(chat.unread_count() == 2);
  v1::MarkReadRequest read;
  read.set_chat_id(c.chat.id());
  read.set_sequence(second.sequence() - 1);
  REQUIRE(f->Call(&Stub::MarkRead, c.classmate, read, &chat).ok());
  CHECK(chat.unread_count() == 1);
  CHECK(chat.read_sequence() == second.sequence() - 1);
  int64_t after_read = chat.last_sequence();
  read.set_sequence(1);  // backwards: nothing changes
  REQUIRE(f->Call(&Stub::MarkRead, c.classmate, read, &chat).ok());
  CHECK(chat.read_sequence() == second.sequence() - 1);
  CHECK(chat.last_sequence() == after_read);
  read.set_sequence(chat.last_sequence() + 100);
  CHECK_REFUSED(f->Call(&Stub::MarkRead, c.classmate, read, &chat), INVALID_ARGUMENT,
                "INVALID_SEQUENCE");

  v1::ListChatChangesRequest changes_request;
  changes_request.set_chat_id(c.chat.id());
  changes_request.set_after_sequence(after_read - 1);
  v1::ListChatChangesResponse changes;
  REQUIRE(f->Call(&Stub::ListChatChanges, c.world.student, changes_request, &changes).ok());
  REQUIRE(changes.changes_size() == 1);
  CHECK(changes.changes(0).chat_change().read_cursor_moved().user_id() == c.classmate);
  CHECK(changes.changes(0).chat_change().read_cursor_moved().read_sequence() ==
        second.sequence() - 1);
}

TEST_CASE("Sync after time away: new chats whole, changed chats from the cursor, nothing twice",
          "[messaging][api]") {
  PARTA_MESSAGING_FIXTURE(f);
  ClassChat c = MakeClassChat(*f);
  // A fresh client: every chat with everything visible.
  v1::SyncResponse fresh;
  REQUIRE(f->Call(&Stub::Sync, c.classmate, v1::SyncRequest(), &fresh).ok());
  CHECK(fresh.chat_list_version() > 0);
  REQUIRE(fresh.chats_size() == 2);  // the class's chat and the channel
  v1::SyncRequest again;
  again.set_chat_list_version(fresh.chat_list_version());
  for (const v1::ChatSync& chat : fresh.chats()) {
    v1::ChatCursor& cursor = *again.add_cursors();
    cursor.set_chat_id(chat.chat().id());
    cursor.set_sequence(chat.chat().last_sequence());
    if (!chat.changes().empty()) {
      CHECK(chat.changes(chat.changes_size() - 1).sequence() == chat.chat().last_sequence());
    }
  }
  v1::SyncResponse unchanged;
  REQUIRE(f->Call(&Stub::Sync, c.classmate, again, &unchanged).ok());
  CHECK(unchanged.chats_size() == 0);
  CHECK(unchanged.removed_chat_ids_size() == 0);

  for (int i = 0; i < 5; ++i)
    f->Send(c.world.student, c.chat.id(), "Сообщение " + std::to_string(i));
  again.set_changes_per_chat(3);
  v1::SyncResponse missed;
  REQUIRE(f->Call(&Stub::Sync, c.classmate, again, &missed).ok());
  REQUIRE(missed.chats_size() == 1);
  CHECK(missed.chats(0).chat().id() == c.chat.id());
  CHECK(missed.chats(0).changes_size() == 3);
  CHECK(missed.chats(0).has_more());
  CHECK(missed.chats(0).changes(0).chat_change().message_posted().text().body() == "Сообщение 0");
  again.set_changes_per_chat(501);
  CHECK_REFUSED(f->Call(&Stub::Sync, c.classmate, again, &missed), INVALID_ARGUMENT,
                "INVALID_PAGE");
}

}  // namespace
}  // namespace parta::messaging

namespace parta::messaging {
namespace {

TEST_CASE("A full queue of sends refuses more with a retry delay and loses none it took",
          "[messaging][api]") {
  PARTA_MESSAGING_FIXTURE(f);
  UuidV7Generator ids(f->clock());
  Messages messages(f->pool(), ids, f->clock(), MessagingSettings(), [] {});
  prometheus::Registry registry;
  // No writers: what is queued stays queued, so the bound is reached for certain.
  SendBatcher batcher(f->pool(), messages, [] {}, registry, /*writers=*/0, /*max_batch=*/64,
                      /*max_queued=*/2);
  std::vector<absl::Status> answers;
  absl::Mutex mu;
  auto send = [&](const std::string& request_id) {
    batcher.Send(ids.NewId(), TextRequest(ids.NewId(), request_id, "Очередь"),
                 [&](absl::StatusOr<v1::Message> result) {
                   absl::MutexLock lock(&mu);
                   answers.push_back(result.status());
                 });
  };
  send("a");
  send("b");
  send("c");
  {
    absl::MutexLock lock(&mu);
    REQUIRE(answers.size() == 1);  // only the refused one is answered at once
    CHECK(answers[0].code() == absl::StatusCode::kResourceExhausted);
    CHECK(::parta::ReasonOf(answers[0]) == "SENDS_OVERLOADED");
    CHECK(RetryAfterOf(answers[0]).has_value());
  }
  batcher.Stop();  // the two it took are answered, not dropped
  absl::MutexLock lock(&mu);
  REQUIRE(answers.size() == 3);
  CHECK(::parta::ReasonOf(answers[1]) == "SHUTTING_DOWN");
  CHECK(::parta::ReasonOf(answers[2]) == "SHUTTING_DOWN");
}

}  // namespace
}  // namespace parta::messaging
