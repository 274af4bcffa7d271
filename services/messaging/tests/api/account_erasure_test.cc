// A person's erasure reaching messaging through identity's account events (the Redis stream;
// identity itself is not needed here): his messages deleted for everyone, his reactions gone,
// he out of his chats — also when the event arrived while messaging was down.

#include <catch2/catch.hpp>

#include "libs/core/random.h"
#include "libs/redis/client.h"
#include "libs/redis/streams.h"
#include "parta/identity/v1/events.pb.h"
#include "services/messaging/tests/messaging_fixture.h"

namespace parta::messaging {
namespace {

using directory::testing::SchoolWorld;
using testing::MessagingFixture;
using Stub = v1::MessagingService::Stub;

// Identity's event `sequence` of the stream "accounts": `account_id` erased.
void PublishErased(const MessagingFixture& f, int64_t sequence, const std::string& account_id) {
  absl::StatusOr<redis::Endpoint> endpoint = redis::Endpoint::Parse(f.config().redis_uri);
  REQUIRE(endpoint.ok());
  redis::Pool redis({.endpoint = *endpoint});
  identity::v1::AccountEvent event;
  event.set_account_id(account_id);
  event.mutable_erased();
  REQUIRE(redis::AppendEvent(redis, f.config().identity_events_key,
                             Event{.stream = "accounts",
                                   .sequence = sequence,
                                   .type = event.GetTypeName(),
                                   .payload = event.SerializeAsString()})
              .ok());
}

TEST_CASE("An erasure that arrives while messaging is down is applied when it comes back",
          "[messaging][api][erasure]") {
  PARTA_MESSAGING_FIXTURE(f);
  SchoolWorld w = f->directory().BuildSchool();
  const v1::Chat chat = f->WaitForChat(w.student, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id);
  f->WaitForChat(w.teacher, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id);
  f->Send(w.student, chat.id(), "Меня зовут Ваня Петров");
  f->Send(w.student, chat.id(), "Я живу на улице Ленина, 5");
  const v1::Message task = f->Send(w.teacher, chat.id(), "Домашнее задание: № 12");
  v1::ReactToMessageRequest react;
  react.set_chat_id(chat.id());
  react.set_message_id(task.id());
  react.set_emoji("👍");
  v1::Message reacted;
  REQUIRE(f->Call(&Stub::ReactToMessage, w.student, react, &reacted).ok());

  f->StopMessaging();
  PublishErased(*f, 1, w.student);
  f->StartMessaging();

  v1::ListMessagesRequest read;
  read.set_chat_id(chat.id());
  v1::ListMessagesResponse messages;
  CHECK(MessagingFixture::Eventually([&] {
    if (!f->Call(&Stub::ListMessages, w.teacher, read, &messages).ok()) return false;
    int his = 0;
    for (const v1::Message& message : messages.messages()) {
      if (message.author_id() != w.student) continue;
      if (!message.deleted() || message.has_text()) return false;
      ++his;
    }
    return his == 2;
  }));
  for (const v1::Message& message : messages.messages()) {
    if (message.id() == task.id()) CHECK(message.reactions().empty());
  }
  CHECK_FALSE(f->ChatOf(w.student, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id).has_value());
  // Search finds nothing of his.
  v1::SearchMessagesRequest search;
  search.set_query("Петров");
  v1::SearchMessagesResponse found;
  REQUIRE(f->Call(&Stub::SearchMessages, w.teacher, search, &found).ok());
  CHECK(found.messages().empty());

  // The same event again (delivery is at least once) changes nothing: once the next event has
  // been applied, the chat has taken no new sequence and the teacher's words stay.
  auto read_value = [&](const std::string& sql, const std::string& argument) {
    int64_t value = -1;
    REQUIRE(f->pool()
                .Transact([&](pqxx::work& tx) {
                  pqxx::result rows = tx.exec_params(sql, argument);
                  value = rows.empty() ? 0 : rows[0][0].as<int64_t>();
                  return absl::OkStatus();
                })
                .ok());
    return value;
  };
  const int64_t last = read_value("SELECT last_sequence FROM chats WHERE id = $1", chat.id());
  PublishErased(*f, 1, w.student);
  PublishErased(*f, 2, NewUuidV7(absl::Now()));  // someone messaging never knew
  CHECK(MessagingFixture::Eventually([&] {
    return read_value("SELECT sequence FROM event_cursors WHERE stream = $1",
                      "identity/accounts") == 2;
  }));
  CHECK(read_value("SELECT last_sequence FROM chats WHERE id = $1", chat.id()) == last);
  REQUIRE(f->Call(&Stub::ListMessages, w.teacher, read, &messages).ok());
  bool teachers_stays = false;
  for (const v1::Message& message : messages.messages()) {
    if (message.id() == task.id()) teachers_stays = !message.deleted();
  }
  CHECK(teachers_stays);
}

}  // namespace
}  // namespace parta::messaging
