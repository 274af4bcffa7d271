#include "services/messaging/tests/messaging_fixture.h"

#include <catch2/catch.hpp>

#include "absl/time/clock.h"
#include "libs/core/random.h"
#include "libs/grpc/client.h"
#include "services/directory/adapters/pg_store.h"

namespace parta::messaging::testing {

std::unique_ptr<MessagingFixture> MessagingFixture::Start(bool start_messaging,
                                                          const std::string& redis_uri) {
  auto directory = directory::testing::DirectoryFixture::Start([&](directory::DirectoryConfig& c) {
    if (!redis_uri.empty()) c.redis_uri = redis_uri;
  });
  if (!directory) return nullptr;
  auto schema = parta::testing::TestSchema::Create();
  if (!schema) return nullptr;
  std::unique_ptr<MessagingFixture> fixture(new MessagingFixture());
  MessagingConfig& config = fixture->config_;
  config.pg_uri = schema->uri();
  config.pg_pool_size = 10;
  config.redis_uri = directory->config().redis_uri;
  config.directory_events_key = directory->config().events_key;
  config.identity_events_key = "parta:events:identity:" + schema->name();  // one per test
  config.directory_address = "127.0.0.1:" + std::to_string(directory->app().grpc_port());
  config.identity_address = "127.0.0.1:1";  // keys and service tokens come from the fixture
  config.grpc_listen = "127.0.0.1:0";
  config.metrics_listen.clear();
  config.migrations_dir = DefaultMigrationsDir();
  config.worker_threads = 4;
  config.revocation_cache_ttl = absl::ZeroDuration();
  absl::Status migrated = MigrateMessaging(config.pg_uri, config.migrations_dir);
  INFO(migrated.ToString());
  REQUIRE(migrated.ok());
  fixture->pool_ = schema->MakePool(2);
  fixture->schema_ = std::move(schema);
  fixture->directory_ = std::move(directory);
  if (start_messaging) fixture->StartMessaging();
  return fixture;
}

MessagingFixture::~MessagingFixture() { StopMessaging(); }

void MessagingFixture::StartMessaging() {
  directory::testing::DirectoryFixture* directory = directory_.get();
  absl::StatusOr<std::unique_ptr<MessagingApp>> app = MessagingApp::Start(
      config_, directory_->clock(), directory_->tokens().KeySource(),
      [directory]() -> absl::StatusOr<std::string> { return directory->ServiceToken(); });
  INFO(app.status().ToString());
  REQUIRE(app.ok());
  app_ = *std::move(app);
  stub_ = v1::MessagingService::NewStub(
      grpc::MakeChannel("127.0.0.1:" + std::to_string(app_->grpc_port())));
}

void MessagingFixture::StopMessaging() {
  if (app_) app_->Shutdown(absl::ZeroDuration());
  app_.reset();
}

bool MessagingFixture::Eventually(const std::function<bool()>& condition, absl::Duration limit) {
  absl::Time deadline = absl::Now() + limit;
  while (!condition()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return true;
}

std::optional<v1::Chat> MessagingFixture::ChatOf(const std::string& user_id, v1::ChatKind kind,
                                                 const std::string& class_id) {
  // Every page of the list (a few at most: the list is bounded by its page size).
  v1::ListChatsRequest request;
  request.set_page_size(500);
  for (int page = 0; page < 100; ++page) {
    v1::ListChatsResponse chats;
    if (!Call(&v1::MessagingService::Stub::ListChats, user_id, request, &chats).ok()) {
      return std::nullopt;
    }
    for (const v1::Chat& chat : chats.chats()) {
      if (chat.kind() == kind && chat.class_id() == class_id) return chat;
    }
    if (chats.next_page_token().empty()) break;
    request.set_page_token(chats.next_page_token());
  }
  return std::nullopt;
}

void MessagingFixture::WaitForRoster(const std::string& school_id) {
  const std::string stream = directory::SchoolStream(school_id);
  auto last_sequence = [&](pg::Pool& pool, const char* sql) -> int64_t {
    absl::StatusOr<int64_t> sequence =
        pool.ReadFor<int64_t>([&](pqxx::nontransaction& tx) -> absl::StatusOr<int64_t> {
          pqxx::result rows = tx.exec_params(sql, stream);
          return rows.empty() ? 0 : rows[0][0].as<int64_t>();
        });
    REQUIRE(sequence.ok());
    return *sequence;
  };
  int64_t written = 0, applied = 0;
  const bool caught_up = Eventually([&] {
    written = last_sequence(directory_->pool(),
                            "SELECT last_sequence FROM outbox_streams WHERE stream = $1");
    applied = last_sequence(*pool_, "SELECT sequence FROM directory_cursors WHERE stream = $1");
    return applied >= written;
  });
  INFO("school " << school_id << ": the directory wrote " << written << " events, messaging "
                 << "applied " << applied);
  REQUIRE(caught_up);
}

v1::Chat MessagingFixture::WaitForChat(const std::string& user_id, v1::ChatKind kind,
                                       const std::string& class_id) {
  std::optional<v1::Chat> chat;
  bool found = Eventually([&] {
    chat = ChatOf(user_id, kind, class_id);
    return chat.has_value();
  });
  INFO("user " << user_id << " kind " << v1::ChatKind_Name(kind) << " class " << class_id);
  REQUIRE(found);
  return *chat;
}

v1::Message MessagingFixture::Send(const std::string& user_id, const std::string& chat_id,
                                   const std::string& text, const std::string& request_id) {
  v1::SendMessageRequest request;
  request.set_chat_id(chat_id);
  request.set_request_id(request_id.empty() ? NewUuidV7(absl::Now()) : request_id);
  request.mutable_text()->set_body(text);
  v1::Message message;
  ::grpc::Status status =
      Call(&v1::MessagingService::Stub::SendMessage, user_id, request, &message);
  INFO(status.error_message());
  REQUIRE(status.ok());
  return message;
}

}  // namespace parta::messaging::testing
