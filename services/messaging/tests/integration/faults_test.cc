// Faults: the messaging process killed with SIGKILL in the middle of a stream of sends, and
// Redis down while people write. A client applies changes by the protocol's rule — deduplicate
// by (chat, sequence), apply in order, fill gaps from ListChatChanges — and must end with every
// acknowledged message exactly once.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "libs/core/random.h"
#include "libs/grpc/client.h"
#include "libs/realtime/channels.h"
#include "libs/redis/client.h"
#include "libs/redis/pubsub.h"
#include "libs/redis/streams.h"
#include "libs/testing/fixtures.h"
#include "libs/testing/servers.h"
#include "parta/directory/v1/directory.pb.h"
#include "services/identity/tests/identity_fixture.h"
#include "services/messaging/messaging_app.h"
#include "services/messaging/tests/messaging_fixture.h"

#ifndef PARTA_MESSAGING_BINARY
#error "the build defines PARTA_MESSAGING_BINARY"
#endif

namespace parta::messaging {
namespace {

namespace dir = directory::v1;
using Stub = v1::MessagingService::Stub;
using testing::MessagingFixture;

// A client of one chat: what arrives on the chat's channel, and the gaps filled from history.
class ChatClient {
 public:
  ChatClient(const std::string& redis_uri, const std::string& chat_id)
      : chat_id_(chat_id),
        pubsub_(*redis::Endpoint::Parse(redis_uri),
                {.on_message = [this](const std::string&, const std::string& payload) {
                  events::v1::Envelope envelope;
                  if (!envelope.ParseFromString(payload) || !envelope.has_event()) return;
                  absl::MutexLock lock(&mu_);
                  ++delivered_;
                  if (!applied_.emplace(envelope.event().sequence(), envelope.event()).second) {
                    ++duplicates_;
                  }
                }}) {
    absl::Notification subscribed;
    pubsub_.Subscribe({realtime::ChatChannel(chat_id)}, [&] { subscribed.Notify(); });
    subscribed.WaitForNotification();
  }

  // Fills every gap up to the chat's end from ListChatChanges, as a client does after a gap,
  // a reconnect or `resync`.
  void FillGaps(const std::function<::grpc::Status(const v1::ListChatChangesRequest&,
                                                   v1::ListChatChangesResponse*)>& list) {
    int64_t after = 0;
    while (true) {
      v1::ListChatChangesRequest request;
      request.set_chat_id(chat_id_);
      request.set_after_sequence(after);
      request.set_page_size(1000);
      v1::ListChatChangesResponse response;
      ::grpc::Status status = list(request, &response);
      INFO(status.error_message());
      REQUIRE(status.ok());
      absl::MutexLock lock(&mu_);
      for (const events::v1::Event& event : response.changes()) {
        applied_.emplace(event.sequence(), event);
        after = event.sequence();
      }
      if (!response.has_more()) return;
    }
  }

  // Posted message id → how many times it appears among the applied changes.
  std::map<std::string, int> Posted() {
    absl::MutexLock lock(&mu_);
    std::map<std::string, int> posted;
    for (const auto& [sequence, event] : applied_) {
      if (event.chat_change().has_message_posted()) {
        posted[event.chat_change().message_posted().id()]++;
      }
    }
    return posted;
  }
  // Whether the applied sequences run from 1 without a hole.
  bool Contiguous() {
    absl::MutexLock lock(&mu_);
    int64_t expected = 1;
    for (const auto& [sequence, event] : applied_) {
      if (sequence != expected++) return false;
    }
    return true;
  }
  int duplicates() {
    absl::MutexLock lock(&mu_);
    return duplicates_;
  }
  int delivered() {
    absl::MutexLock lock(&mu_);
    return delivered_;
  }

 private:
  const std::string chat_id_;
  absl::Mutex mu_;
  std::map<int64_t, events::v1::Event> applied_ ABSL_GUARDED_BY(mu_);
  int duplicates_ ABSL_GUARDED_BY(mu_) = 0;
  int delivered_ ABSL_GUARDED_BY(mu_) = 0;
  redis::PubSub pubsub_;
};

// The messaging binary as a child process.
class MessagingProcess {
 public:
  explicit MessagingProcess(std::vector<std::string> env) : env_(std::move(env)) {
    port_file_ = absl::StrCat("/tmp/parta-messaging-port-", getpid(), "-", NewUuidV7(absl::Now()));
    env_.push_back("PARTA_GRPC_PORT_FILE=" + port_file_);
  }
  ~MessagingProcess() {
    Kill();
    unlink(port_file_.c_str());
  }

  // Starts it and waits for its port; the stub of the new process.
  std::shared_ptr<Stub> Start() {
    unlink(port_file_.c_str());
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      std::vector<char*> envp;
      for (std::string& entry : env_) envp.push_back(entry.data());
      envp.push_back(nullptr);
      char* argv[] = {const_cast<char*>(PARTA_MESSAGING_BINARY), nullptr};
      execve(PARTA_MESSAGING_BINARY, argv, envp.data());
      _exit(127);
    }
    int port = 0;
    REQUIRE(MessagingFixture::Eventually([&] {
      std::ifstream file(port_file_);
      return static_cast<bool>(file >> port) && port > 0;
    }));
    return std::shared_ptr<Stub>(
        v1::MessagingService::NewStub(grpc::MakeChannel("127.0.0.1:" + std::to_string(port))));
  }

  // SIGKILL: no drain, no goodbye.
  void Kill() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  std::vector<std::string> env_;
  std::string port_file_;
  pid_t pid_ = -1;
};

std::string Login(identity::testing::IdentityFixture& identity, const std::string& email,
                  std::string* account_id) {
  identity::v1::Account account;
  REQUIRE(identity.Register(email, &account).ok());
  *account_id = account.id();
  identity::v1::TokenPair pair;
  REQUIRE(identity.Login(email, &pair).ok());
  return pair.access_token();
}

// The directory's events for one class with a teacher and a pupil, written to the stream the
// way the directory's relay writes them (messaging knows the directory only by its events).
void WriteRoster(redis::Pool& redis, const std::string& key, const std::string& school_id,
                 const std::string& class_id, const std::string& teacher,
                 const std::string& student) {
  std::vector<dir::DirectoryEvent> events(5);
  for (dir::DirectoryEvent& event : events) event.set_school_id(school_id);
  events[0].mutable_school_created()->mutable_school()->set_id(school_id);
  events[0].mutable_school_created()->mutable_school()->set_short_name("Школа № 9");
  events[1].mutable_role_granted()->set_user_id(teacher);
  events[1].mutable_role_granted()->set_role(dir::ROLE_TEACHER);
  events[2].mutable_role_granted()->set_user_id(student);
  events[2].mutable_role_granted()->set_role(dir::ROLE_STUDENT);
  dir::Class& school_class = *events[3].mutable_class_created()->mutable_class_();
  school_class.set_id(class_id);
  school_class.set_school_id(school_id);
  school_class.set_display_name("9В");
  school_class.set_academic_year(2026);
  school_class.set_class_teacher_id(teacher);
  events[4].mutable_student_added()->set_class_id(class_id);
  events[4].mutable_student_added()->set_user_id(student);
  for (size_t i = 0; i < events.size(); ++i) {
    REQUIRE(redis::AppendEvent(redis, key,
                               Event{.stream = "school/" + school_id,
                                     .sequence = static_cast<int64_t>(i + 1),
                                     .type = events[i].GetTypeName(),
                                     .payload = events[i].SerializeAsString()})
                .ok());
  }
}

std::unique_ptr<::grpc::ClientContext> Context(const std::string& token) {
  return grpc::MakeClientContext({.timeout = absl::Seconds(5), .bearer_token = token});
}

TEST_CASE(
    "Messaging killed with SIGKILL mid-stream: no acknowledged message is lost, none "
    "reaches a deduplicating client twice",
    "[messaging][integration]") {
  PARTA_IDENTITY_FIXTURE(identity);
  PARTA_TEST_SCHEMA(schema);
  std::optional<std::string> redis_uri = parta::testing::TestRedisUri();
  if (!redis_uri) return;
  REQUIRE(MigrateMessaging(schema->uri(), DefaultMigrationsDir()).ok());
  std::string teacher, student;
  std::string teacher_token = Login(*identity, "teacher@school9.ru", &teacher);
  std::string student_token = Login(*identity, "pupil@school9.ru", &student);
  std::string events_key = "parta:events:directory:" + schema->name();
  redis::Pool redis({.endpoint = *redis::Endpoint::Parse(*redis_uri), .size = 1});
  WriteRoster(redis, events_key, NewUuidV7(absl::Now()), NewUuidV7(absl::Now()), teacher, student);

  MessagingProcess process(
      {"PARTA_PG_URI=" + schema->uri(), "PARTA_REDIS_URI=" + *redis_uri,
       "PARTA_IDENTITY_ADDR=127.0.0.1:" + std::to_string(identity->app().grpc_port()),
       "PARTA_DIRECTORY_ADDR=127.0.0.1:1", "PARTA_DIRECTORY_EVENTS_KEY=" + events_key,
       "PARTA_GRPC_LISTEN=127.0.0.1:0", "PARTA_METRICS_LISTEN=off", "PARTA_LOG_LEVEL=error",
       "PARTA_WORKER_THREADS=4"});
  absl::Mutex stub_mu;
  std::shared_ptr<Stub> stub = process.Start();
  auto current = [&] {
    absl::MutexLock lock(&stub_mu);
    return stub;
  };

  std::string chat_id;
  REQUIRE(MessagingFixture::Eventually([&] {
    v1::ListChatsResponse chats;
    auto context = Context(student_token);
    if (!current()->ListChats(context.get(), v1::ListChatsRequest(), &chats).ok()) return false;
    for (const v1::Chat& chat : chats.chats()) {
      if (chat.kind() == v1::CHAT_KIND_CLASS_STUDENTS) chat_id = chat.id();
    }
    return !chat_id.empty();
  }));
  ChatClient client(*redis_uri, chat_id);

  // Two people write; every send is retried with its request id until acknowledged.
  constexpr int kPerSender = 60;
  std::atomic<int> acknowledged{0};
  absl::Mutex acks_mu;
  std::map<std::string, std::string> acks;  // request id → message id
  auto sender = [&](const std::string& token, const std::string& name) {
    for (int i = 0; i < kPerSender; ++i) {
      v1::SendMessageRequest request;
      request.set_chat_id(chat_id);
      request.set_request_id(absl::StrCat(name, "-", i));
      request.mutable_text()->set_body(absl::StrCat("Сообщение ", i, " от ", name));
      v1::SendMessageResponse sent;
      absl::Time deadline = absl::Now() + absl::Seconds(30);
      while (true) {
        auto context = Context(token);
        ::grpc::Status status = current()->SendMessage(context.get(), request, &sent);
        if (status.ok()) break;
        REQUIRE(absl::Now() < deadline);
        absl::SleepFor(absl::Milliseconds(20));
      }
      absl::MutexLock lock(&acks_mu);
      auto [it, inserted] = acks.emplace(request.request_id(), sent.message().id());
      CHECK(it->second == sent.message().id());  // a retry after the crash got the same message
      acknowledged++;
    }
  };
  std::thread teacher_thread(sender, teacher_token, "teacher");
  std::thread student_thread(sender, student_token, "pupil");
  REQUIRE(MessagingFixture::Eventually([&] { return acknowledged.load() >= 40; }));
  process.Kill();  // in the middle: sends in flight, events committed but perhaps not published
  std::shared_ptr<Stub> restarted = process.Start();
  {
    absl::MutexLock lock(&stub_mu);
    stub = restarted;
  }
  teacher_thread.join();
  student_thread.join();
  REQUIRE(acknowledged.load() == 2 * kPerSender);

  // Whatever the channel dropped around the crash, history fills; nothing appears twice.
  client.FillGaps(
      [&](const v1::ListChatChangesRequest& request, v1::ListChatChangesResponse* response) {
        auto context = Context(teacher_token);
        return current()->ListChatChanges(context.get(), request, response);
      });
  CHECK(client.Contiguous());
  std::map<std::string, int> posted = client.Posted();
  CHECK(posted.size() == acks.size());
  for (const auto& [request_id, message_id] : acks) {
    INFO(request_id);
    CHECK(posted[message_id] == 1);
  }
  // The relay of the restarted process publishes what its predecessor left unpublished.
  CHECK(MessagingFixture::Eventually([&] { return client.delivered() > 0; }));
  INFO("delivered on the channel " << client.delivered() << ", duplicates dropped "
                                   << client.duplicates());
}

TEST_CASE("Redis down: sends still commit, and are delivered when it returns",
          "[messaging][integration]") {
  parta::testing::PrivateRedis redis;
  PARTA_MESSAGING_FIXTURE(f, true, redis.uri());
  directory::testing::SchoolWorld w = f->directory().BuildSchool();
  v1::Chat chat = f->WaitForChat(w.student, v1::CHAT_KIND_CLASS_STUDENTS, w.class_id);
  ChatClient client(redis.uri(), chat.id());
  f->Send(w.teacher, chat.id(), "До сбоя");

  redis.Kill();
  std::vector<std::string> sent;
  for (int i = 0; i < 5; ++i) {
    sent.push_back(f->Send(w.student, chat.id(), "Пока Redis лежит " + std::to_string(i)).id());
  }
  // Redis returns refusing PUBLISH, so the relay cannot publish before a witness is subscribed;
  // then publishing is allowed. Whatever the order of the relay's retries and the clients'
  // reconnections, the witness sees what the relay publishes after the outage.
  redis.Start({"--user", "default", "on", "nopass", "~*", "&*", "+@all", "-publish"});
  ChatClient witness(redis.uri(), chat.id());  // its subscription is confirmed
  {
    auto admin = redis::Connection::Open(*redis::Endpoint::Parse(redis.uri()), absl::Seconds(5));
    REQUIRE(admin.ok());
    REQUIRE((*admin)->Command({"ACL", "SETUSER", "default", "+publish"}).ok());
  }
  // Every send of the outage is published once Redis is back (the relay retries).
  REQUIRE(MessagingFixture::Eventually(
      [&] {
        std::map<std::string, int> posted = witness.Posted();
        for (const std::string& id : sent) {
          if (posted.count(id) == 0) return false;
        }
        return true;
      },
      absl::Seconds(20)));
  // The client connected before the outage may have missed some live (its reconnection races
  // the relay): delivered live or filled from history, nothing is lost or repeated.
  client.FillGaps(
      [&](const v1::ListChatChangesRequest& request, v1::ListChatChangesResponse* response) {
        return f->Call(&Stub::ListChatChanges, w.teacher, request, response);
      });
  CHECK(client.Contiguous());
  std::map<std::string, int> posted = client.Posted();
  for (const std::string& id : sent) CHECK(posted[id] == 1);
}

}  // namespace
}  // namespace parta::messaging
