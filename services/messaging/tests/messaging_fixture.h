#pragma once

// A real messaging service beside a real directory (services/directory/tests), each with its
// own schema in the test PostgreSQL, on the test Redis, served on 127.0.0.1:0, with tokens
// signed by the directory fixture's test key. Schools are made through the directory's RPCs;
// messaging learns of them from the directory's events like in production.

#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "parta/messaging/v1/messaging.grpc.pb.h"
#include "services/directory/tests/directory_fixture.h"
#include "services/messaging/messaging_app.h"

namespace parta::messaging::testing {

class MessagingFixture {
 public:
  // nullptr when there is no test server. `start_messaging` false: start it later
  // (StartMessaging), after the directory has made things. `redis_uri`: a Redis of the test's
  // own (one it kills) for both services instead of the shared test Redis.
  static std::unique_ptr<MessagingFixture> Start(bool start_messaging = true,
                                                 const std::string& redis_uri = "");
  ~MessagingFixture();

  directory::testing::DirectoryFixture& directory() { return *directory_; }
  v1::MessagingService::Stub& stub() { return *stub_; }
  // The port messaging serves on (its other services: subscriptions, client signals).
  int port() const { return app_->grpc_port(); }
  const MessagingConfig& config() const { return config_; }
  pg::Pool& pool() { return *pool_; }
  FakeClock& clock() { return directory_->clock(); }

  void StartMessaging();
  void StopMessaging();
  // The content service messaging asks about attachments ("127.0.0.1:<port>"), for the next
  // StartMessaging: start the fixture without messaging (Start(false)), start content, give
  // its address here, then StartMessaging. Empty (the default): no content service.
  void SetContentAddress(std::string address) { config_.content_address = std::move(address); }

  std::string Token(const std::string& user_id) const { return directory_->Token(user_id); }

  template <typename Request, typename Response>
  ::grpc::Status Call(::grpc::Status (v1::MessagingService::Stub::*method)(::grpc::ClientContext*,
                                                                           const Request&,
                                                                           Response*),
                      const std::string& user_id, const Request& request, Response* response) {
    auto context = directory::testing::DirectoryFixture::Context(Token(user_id));
    return ((*stub_).*method)(context.get(), request, response);
  }

  // A call whose response wraps one resource (GetChatResponse's chat, SendMessageResponse's
  // message…): `resource` gets it, so tests read it as the HTTP body does (response_body).
  template <typename Request, typename Response, typename Resource,
            typename = std::enable_if_t<!std::is_same_v<Response, Resource>>>
  ::grpc::Status Call(::grpc::Status (v1::MessagingService::Stub::*method)(::grpc::ClientContext*,
                                                                           const Request&,
                                                                           Response*),
                      const std::string& user_id, const Request& request, Resource* resource) {
    Response response;
    ::grpc::Status status = Call(method, user_id, request, &response);
    if (status.ok()) *resource = WrappedIn<Resource>(response);  // a refusal leaves it as it was
    return status;
  }

  // The user's chat of `kind` (of the class, for class chats) once messaging has made it and
  // put him in; fails the test after 10 s.
  v1::Chat WaitForChat(const std::string& user_id, v1::ChatKind kind,
                       const std::string& class_id = "");
  // The user's chat of `kind` now, if he is in one.
  std::optional<v1::Chat> ChatOf(const std::string& user_id, v1::ChatKind kind,
                                 const std::string& class_id = "");
  // Waits until messaging has applied every event the directory has written for the school, so
  // its roster chats change no more on their own; fails the test after 10 s.
  void WaitForRoster(const std::string& school_id);
  // Polls `condition` every 20 ms for up to `limit`.
  static bool Eventually(const std::function<bool()>& condition,
                         absl::Duration limit = absl::Seconds(10));

  // Sends a text message; fails the test on an error.
  v1::Message Send(const std::string& user_id, const std::string& chat_id, const std::string& text,
                   const std::string& request_id = "");

 private:
  MessagingFixture() = default;

  // The one field of `response` that holds a `Resource`.
  template <typename Resource>
  static const Resource& WrappedIn(const google::protobuf::Message& response) {
    const google::protobuf::Descriptor& type = *response.GetDescriptor();
    for (int i = 0; i < type.field_count(); ++i) {
      const google::protobuf::FieldDescriptor& field = *type.field(i);
      if (!field.is_repeated() && field.message_type() == Resource::descriptor()) {
        return static_cast<const Resource&>(response.GetReflection()->GetMessage(response, &field));
      }
    }
    throw std::logic_error(type.full_name() + " holds no " + Resource::descriptor()->full_name());
  }

  std::unique_ptr<directory::testing::DirectoryFixture> directory_;
  std::unique_ptr<parta::testing::TestSchema> schema_;
  std::unique_ptr<pg::Pool> pool_;
  MessagingConfig config_;
  std::unique_ptr<MessagingApp> app_;
  std::unique_ptr<v1::MessagingService::Stub> stub_;
};

}  // namespace parta::messaging::testing

// A call refused with `code` (a grpc::StatusCode name) and the ErrorInfo `reason`.
#define CHECK_REFUSED(status, code, reason)                             \
  do {                                                                  \
    ::grpc::Status refused_ = (status);                                 \
    INFO(refused_.error_message());                                     \
    CHECK(refused_.error_code() == ::grpc::StatusCode::code);           \
    CHECK(::parta::directory::testing::ReasonOf(refused_) == (reason)); \
  } while (false)

#define PARTA_MESSAGING_FIXTURE(var, ...)                                       \
  auto var = ::parta::messaging::testing::MessagingFixture::Start(__VA_ARGS__); \
  if (!var) return
