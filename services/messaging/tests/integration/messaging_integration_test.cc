// Messaging against real PostgreSQL, Redis and a real directory: ordering under concurrency,
// delivery through Redis, catching up on the roster after starting late.

#include <atomic>
#include <catch2/catch.hpp>
#include <map>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "libs/core/clock.h"
#include "libs/core/random.h"
#include "libs/realtime/channels.h"
#include "libs/redis/client.h"
#include "libs/redis/pubsub.h"
#include "libs/testing/status_matchers.h"
#include "services/messaging/chats/messages.h"
#include "services/messaging/tests/messaging_fixture.h"

namespace parta::messaging {
namespace {

using testing::MessagingFixture;
namespace dir = directory::v1;
using Stub = v1::MessagingService::Stub;

// What a client following a chat's channel receives, applied by the rule clients follow:
// deduplicate by (chat, sequence), apply in sequence order.
class ChatListener {
 public:
  ChatListener(const std::string& redis_uri, const std::string& chat_id)
      : pubsub_(*redis::Endpoint::Parse(redis_uri),
                {.on_message = [this](const std::string&, const std::string& payload) {
                  events::v1::Envelope envelope;
                  if (!envelope.ParseFromString(payload) || !envelope.has_event()) return;
                  absl::MutexLock lock(&mu_);
                  received_.push_back(envelope.event());
                }}) {
    absl::Notification subscribed;
    pubsub_.Subscribe({realtime::ChatChannel(chat_id)}, [&] { subscribed.Notify(); });
    subscribed.WaitForNotification();
  }

  std::vector<events::v1::Event> received() {
    absl::MutexLock lock(&mu_);
    return received_;
  }

 private:
  absl::Mutex mu_;
  std::vector<events::v1::Event> received_ ABSL_GUARDED_BY(mu_);
  redis::PubSub pubsub_;
};

TEST_CASE(
    "20 concurrent senders in one chat: gap-free sequences, every change delivered once, "
    "in order",
    "[messaging][integration]") {
  PARTA_MESSAGING_FIXTURE(f);
  directory::testing::SchoolWorld w = f->directory().BuildSchool();
  std::vector<std::string> senders;
  for (int i = 0; i < 19; ++i) {
    senders.push_back(f->directory().Join(w.school_id, f->directory().Token(w.teacher),
                                          dir::ROLE_STUDENT, w.class_id));
  }
  senders.push_back(w.teacher);
  v1::Chat chat = f->WaitForChat(senders[18], v1::CHAT_KIND_CLASS_STUDENTS, w.class_id);
  ChatListener listener(f->config().redis_uri, chat.id());
  // The roster's own changes come first: start from the chat once they are all in.
  f->WaitForRoster(w.school_id);
  int64_t start = f->ChatOf(w.teacher, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id)->last_sequence();

  constexpr int kPerSender = 10;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int s = 0; s < static_cast<int>(senders.size()); ++s) {
    threads.emplace_back([&, s] {
      for (int i = 0; i < kPerSender; ++i) {
        v1::SendMessageRequest request;
        request.set_chat_id(chat.id());
        request.set_request_id("m-" + std::to_string(i));
        request.mutable_text()->set_body("Сообщение " + std::to_string(i));
        v1::Message message;
        if (!f->Call(&Stub::SendMessage, senders[s], request, &message).ok()) failures++;
        // A retry of every send returns the same message and spends no sequence.
        v1::Message retried;
        if (!f->Call(&Stub::SendMessage, senders[s], request, &retried).ok() ||
            retried.id() != message.id()) {
          failures++;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  REQUIRE(failures.load() == 0);
  const int64_t total = static_cast<int64_t>(senders.size()) * kPerSender;

  REQUIRE(MessagingFixture::Eventually([&] {
    std::map<int64_t, int> seen;
    for (const events::v1::Event& event : listener.received()) {
      if (event.sequence() > start) seen[event.sequence()]++;
    }
    return static_cast<int64_t>(seen.size()) >= total;
  }));
  // A fence: the relay publishes a chat's changes in order on one channel, so whatever it
  // published again before the fence (a duplicate) has arrived once the fence has.
  const int64_t fence = f->Send(w.teacher, chat.id(), "Забор").sequence();
  REQUIRE(MessagingFixture::Eventually([&] {
    for (const events::v1::Event& event : listener.received()) {
      if (event.sequence() == fence) return true;
    }
    return false;
  }));
  std::vector<events::v1::Event> received = listener.received();
  std::map<int64_t, int> count;
  std::map<std::string, int> per_author;
  int64_t previous = 0;
  bool ordered = true;
  for (const events::v1::Event& event : received) {
    if (event.sequence() <= start || event.sequence() >= fence) continue;
    ordered = ordered && event.sequence() > previous;
    previous = event.sequence();
    count[event.sequence()]++;
    per_author[event.chat_change().message_posted().author_id()]++;
  }
  CHECK(ordered);  // the relay publishes a chat's changes in sequence order
  REQUIRE(static_cast<int64_t>(count.size()) == total);
  CHECK(count.begin()->first == start + 1);
  CHECK(count.rbegin()->first == start + total);  // no gap, no sequence spent on retries
  for (const auto& [sequence, times] : count) CHECK(times == 1);
  for (const std::string& sender : senders) CHECK(per_author[sender] == kPerSender);

  // History holds the same, in the same order.
  v1::ListMessagesRequest history;
  history.set_chat_id(chat.id());
  history.set_after_sequence(start);
  history.set_page_size(200);
  v1::ListMessagesResponse page;
  REQUIRE(f->Call(&Stub::ListMessages, w.teacher, history, &page).ok());
  REQUIRE(page.messages_size() == total);
  for (int i = 0; i < page.messages_size(); ++i)
    CHECK(page.messages(i).sequence() == start + 1 + i);
}

TEST_CASE("Refused sends among concurrent ones leave nothing behind and spoil none",
          "[messaging][integration]") {
  PARTA_MESSAGING_FIXTURE(f);
  directory::testing::SchoolWorld w = f->directory().BuildSchool();
  v1::Chat chat = f->WaitForChat(w.student, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id);
  f->WaitForRoster(w.school_id);
  int64_t start = f->ChatOf(w.teacher, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id)->last_sequence();
  // Concurrent sends share transactions; every other one is refused after the chat's lock was
  // taken (the message it answers does not exist).
  constexpr int kThreads = 10, kEach = 10;
  std::atomic<int> accepted{0}, refused{0}, wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        v1::SendMessageRequest request;
        request.set_chat_id(chat.id());
        request.set_request_id(absl::StrCat("t", t, "-", i));
        request.mutable_text()->set_body("Ответ");
        bool bad = (t + i) % 2 == 0;
        if (bad) request.set_reply_to_message_id(NewUuidV7(absl::Now()));
        v1::Message message;
        ::grpc::Status status = f->Call(&Stub::SendMessage, w.student, request, &message);
        if (bad && status.error_code() == ::grpc::StatusCode::INVALID_ARGUMENT &&
            directory::testing::ReasonOf(status) == "REPLY_NOT_FOUND") {
          refused++;
        } else if (!bad && status.ok()) {
          accepted++;
        } else {
          wrong++;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(wrong.load() == 0);
  CHECK(accepted.load() == kThreads * kEach / 2);
  CHECK(refused.load() == kThreads * kEach / 2);
  v1::Chat after = *f->ChatOf(w.teacher, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id);
  CHECK(after.last_sequence() == start + accepted.load());  // no sequence spent on a refusal
  v1::ListMessagesRequest history;
  history.set_chat_id(chat.id());
  history.set_after_sequence(start);
  history.set_page_size(200);
  v1::ListMessagesResponse page;
  REQUIRE(f->Call(&Stub::ListMessages, w.teacher, history, &page).ok());
  CHECK(page.messages_size() == accepted.load());
}

TEST_CASE("One batch of sends: numbered in turn per chat, retries and refusals inside it",
          "[messaging][integration]") {
  PARTA_MESSAGING_FIXTURE(f);
  directory::testing::SchoolWorld w = f->directory().BuildSchool();
  directory::testing::SchoolWorld other = f->directory().BuildSchool();
  v1::Chat chat = f->WaitForChat(w.student, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id);
  v1::Chat staff = f->WaitForChat(w.teacher, v1::CHAT_KIND_STAFF);
  v1::Chat foreign = f->WaitForChat(other.student, v1::CHAT_KIND_CLASS_STUDENTS, other.class_id);
  f->WaitForRoster(w.school_id);
  f->WaitForRoster(other.school_id);
  const int64_t start =
      f->ChatOf(w.teacher, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id)->last_sequence();
  const int64_t staff_start = f->ChatOf(w.teacher, v1::CHAT_KIND_STAFF)->last_sequence();
  SystemClock clock;
  UuidV7Generator ids(clock);
  Messages messages(f->pool(), ids, clock, MessagingSettings(), [] {});
  auto job = [&](const std::string& caller, const std::string& chat_id, const std::string& id,
                 const std::string& text, const std::string& reply_to = "") {
    v1::SendMessageRequest request;
    request.set_chat_id(chat_id);
    request.set_request_id(id);
    request.mutable_text()->set_body(text);
    request.set_reply_to_message_id(reply_to);
    absl::StatusOr<std::string> hash = messages.Check(request);
    REQUIRE(hash.ok());
    return Messages::SendJob{.caller = caller, .request = request, .request_hash = *hash};
  };
  // Sorted by chat id, as the batcher hands them over.
  std::vector<Messages::SendJob> jobs = {
      job(w.student, chat.id(), "a", "Первое"),
      job(w.student, chat.id(), "a", "Первое"),  // the same request again: a retry
      job(w.student, chat.id(), "a", "Другое"),  // the same id, other content
      job(w.student, chat.id(), "b", "Ответ", NewUuidV7(absl::Now())),  // answers nothing
      job(w.teacher, chat.id(), "c", "Второе"),
      job(w.teacher, staff.id(), "d", "В учительскую"),
      job(w.student, foreign.id(), "e", "Чужой чат")};
  std::stable_sort(jobs.begin(), jobs.end(), [](const auto& a, const auto& b) {
    return a.request.chat_id() < b.request.chat_id();
  });
  std::vector<const Messages::SendJob*> batch;
  for (const auto& one : jobs) batch.push_back(&one);
  std::vector<absl::StatusOr<v1::Message>> results;
  bool appended = false;
  REQUIRE(f->pool()
              .Transact([&](pqxx::work& tx) {
                results = messages.SendAllIn(tx, batch, appended);
                return absl::OkStatus();
              })
              .ok());
  CHECK(appended);
  std::map<std::string, absl::StatusOr<v1::Message>> by_text;
  for (size_t i = 0; i < jobs.size(); ++i) {
    by_text.emplace(jobs[i].request.request_id() + ":" + jobs[i].request.text().body(), results[i]);
  }
  const v1::Message& first = *by_text.at("a:Первое");
  CHECK(first.sequence() == start + 1);
  CHECK_STATUS(by_text.at("a:Другое").status(), kAlreadyExists, "REQUEST_ID_REUSED");
  CHECK_STATUS(by_text.at("b:Ответ").status(), kInvalidArgument, "REPLY_NOT_FOUND");
  CHECK(by_text.at("c:Второе")->sequence() == start + 2);
  CHECK(by_text.at("d:В учительскую")->sequence() == staff_start + 1);
  CHECK_STATUS(by_text.at("e:Чужой чат").status(), kPermissionDenied, "NOT_CHAT_MEMBER");
  int retries = 0;
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (jobs[i].request.request_id() == "a" && results[i].ok()) {
      CHECK(results[i]->id() == first.id());
      ++retries;
    }
  }
  CHECK(retries == 2);
  // What was committed: two messages in the class chat and its counter two further, one in
  // the staff chat, nothing in the foreign chat.
  v1::Chat after = *f->ChatOf(w.teacher, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id);
  CHECK(after.last_sequence() == start + 2);
  CHECK(f->ChatOf(w.teacher, v1::CHAT_KIND_STAFF)->last_sequence() == staff_start + 1);
  v1::ListMessagesRequest history;
  history.set_chat_id(chat.id());
  history.set_after_sequence(start);
  v1::ListMessagesResponse page;
  REQUIRE(f->Call(&Stub::ListMessages, w.teacher, history, &page).ok());
  REQUIRE(page.messages_size() == 2);
  CHECK(page.messages(0).text().body() == "Первое");
  CHECK(page.messages(1).text().body() == "Второе");
  v1::ListChatChangesRequest changes;
  changes.set_chat_id(chat.id());
  changes.set_after_sequence(start);
  v1::ListChatChangesResponse log;
  REQUIRE(f->Call(&Stub::ListChatChanges, w.teacher, changes, &log).ok());
  REQUIRE(log.changes_size() == 2);
  CHECK(log.changes(0).sequence() == start + 1);
  CHECK(log.changes(1).chat_change().message_posted().text().body() == "Второе");
  // The same request sent again in a later transaction is still the first message.
  v1::Message again = f->Send(w.student, chat.id(), "Первое", "a");
  CHECK(again.id() == first.id());
}

TEST_CASE("Messaging started late, with the Redis stream gone, catches up from the directory",
          "[messaging][integration]") {
  PARTA_MESSAGING_FIXTURE(f, /*start_messaging=*/false);
  directory::testing::SchoolWorld w = f->directory().BuildSchool();
  REQUIRE(f->directory().app().RelayEvents().ok());
  // Redis lost everything the directory published.
  redis::Pool redis({.endpoint = *redis::Endpoint::Parse(f->config().redis_uri), .size = 1});
  REQUIRE(redis.Command({"DEL", f->directory().config().events_key}).ok());

  f->StartMessaging();
  // The next event of the school shows a gap; the feed fills it through ListEvents.
  std::string newcomer = f->directory().Join(w.school_id, f->directory().Token(w.teacher),
                                             dir::ROLE_STUDENT, w.class_id);
  v1::Chat chat = f->WaitForChat(newcomer, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id);
  CHECK(f->WaitForChat(w.student, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id).id() == chat.id());
  CHECK(f->WaitForChat(w.parent, v1::CHAT_KIND_CLASS_PARENTS, w.class_id).my_role() ==
        v1::CHAT_ROLE_MEMBER);
  CHECK(f->WaitForChat(w.admin, v1::CHAT_KIND_STAFF).my_role() == v1::CHAT_ROLE_MODERATOR);

  // Restarted, it applies nothing twice: the chat's log is unchanged by the restart.
  int64_t before =
      f->WaitForChat(w.teacher, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id).last_sequence();
  f->StopMessaging();
  f->StartMessaging();
  // Once a later event of the school is applied, everything before it has been seen again.
  std::string employee =
      f->directory().Join(w.school_id, f->directory().Token(w.admin), dir::ROLE_EMPLOYEE);
  f->WaitForChat(employee, v1::CHAT_KIND_STAFF);
  CHECK(f->WaitForChat(w.teacher, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id).last_sequence() ==
        before);
}

}  // namespace
}  // namespace parta::messaging
