#pragma once

// A real directory service for api and integration tests: its own schema in the test
// PostgreSQL, migrated, the test Redis, served on 127.0.0.1:0; tokens signed by a test key.
// BuildSchool() makes a whole school through the public RPCs, the way people would.

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "libs/core/clock.h"
#include "libs/testing/fixtures.h"
#include "libs/testing/tokens.h"
#include "parta/directory/v1/directory.grpc.pb.h"
#include "services/directory/directory_app.h"

namespace parta::directory::testing {

// One school with a person of every role, made through invitations: an operator creates it
// and invites its admin; the admin creates class 5А, invites a teacher (made its class teacher)
// and an employee; the teacher invites a student; the student invites a parent, whom the class
// teacher confirms. Besides, an unused invitation, an outsider's pending join request and one
// lesson.
struct SchoolWorld {
  std::string school_id;
  std::string class_id;
  std::string admin, teacher, employee, student, parent;  // account ids
  std::string parent_link_id;
  std::string open_invitation_id;  // an unused employee invitation
  std::string pending_request_id;  // an outsider's pending request to join the class
  std::string lesson_id;           // the class's Saturday lesson with its class teacher
};

class DirectoryFixture {
 public:
  // nullptr when there is no test server (local runs outside `tools/parta test`).
  static std::unique_ptr<DirectoryFixture> Start(
      const std::function<void(DirectoryConfig&)>& adjust = nullptr);
  ~DirectoryFixture();

  v1::DirectoryService::Stub& stub() { return *stub_; }
  DirectoryApp& app() { return *app_; }
  const DirectoryConfig& config() const { return config_; }
  pg::Pool& pool() { return *pool_; }
  FakeClock& clock() { return clock_; }
  const parta::testing::TestTokens& tokens() const { return tokens_; }

  // A new account id and its user token.
  static std::string NewUser();
  std::string Token(const std::string& user_id) const { return tokens_.User(user_id); }
  std::string OperatorToken() const { return tokens_.User(operator_id_, true); }
  std::string ServiceToken() const;

  // Calls `method` of the stub with the user's token (a deadline of 10 s).
  template <typename Request, typename Response>
  ::grpc::Status Call(::grpc::Status (v1::DirectoryService::Stub::*method)(::grpc::ClientContext*,
                                                                           const Request&,
                                                                           Response*),
                      const std::string& user_id, const Request& request, Response* response) {
    return CallWithToken(method, Token(user_id), request, response);
  }
  template <typename Request, typename Response>
  ::grpc::Status CallWithToken(::grpc::Status (v1::DirectoryService::Stub::*method)(
                                   ::grpc::ClientContext*, const Request&, Response*),
                               const std::string& token, const Request& request,
                               Response* response) {
    auto context = Context(token);
    return ((*stub_).*method)(context.get(), request, response);
  }
  static std::unique_ptr<::grpc::ClientContext> Context(const std::string& token);

  // A school by the operator (a fresh valid INN each time); its id.
  std::string CreateSchool(const std::string& name = "Школа № 5");
  // Invites `user` (by default a new account) to `role` (as `inviter`, with the class for
  // students) and redeems the invitation; the account's id.
  std::string Join(const std::string& school_id, const std::string& inviter_token, v1::Role role,
                   const std::string& class_id = "", const std::string& user = "");
  std::string CreateClass(const std::string& school_id, const std::string& admin, int grade,
                          const std::string& letter, const std::string& class_teacher = "");
  SchoolWorld BuildSchool(const std::string& name = "Школа № 5");
  // A new parent of `student`: the student invites him, he redeems the invitation and
  // `confirmer` (a teacher or an admin of the school) confirms the link. The parent's id, and
  // the link's in `link_id`.
  std::string AddParent(const std::string& school_id, const std::string& student,
                        const std::string& confirmer, std::string* link_id = nullptr);
  // "may `user_id` do `permission` on `resource`"; fails the test on an RPC error.
  bool Allowed(const std::string& user_id, const std::string& permission,
               const std::string& resource);

 private:
  DirectoryFixture() = default;

  FakeClock clock_{absl::Now()};
  parta::testing::TestTokens tokens_{clock_};
  std::string operator_id_;
  std::unique_ptr<parta::testing::TestSchema> schema_;
  std::unique_ptr<pg::Pool> pool_;
  DirectoryConfig config_;
  std::unique_ptr<DirectoryApp> app_;
  std::unique_ptr<v1::DirectoryService::Stub> stub_;
};

// The ErrorInfo reason of a failed call.
std::string ReasonOf(const ::grpc::Status& status);

// A valid INN / OGRN made from a counter.
std::string TestInn(int n);
std::string TestOgrn(int n);

}  // namespace parta::directory::testing

#define PARTA_DIRECTORY_FIXTURE(var, ...)                                       \
  auto var = ::parta::directory::testing::DirectoryFixture::Start(__VA_ARGS__); \
  if (!var) return

#ifndef CHECK_RPC_ERROR
#define CHECK_RPC_ERROR(status, expected_code, expected_reason)                     \
  do {                                                                              \
    const ::grpc::Status& rpc_status_ = (status);                                   \
    INFO(rpc_status_.error_message());                                              \
    CHECK(rpc_status_.error_code() == ::grpc::StatusCode::expected_code);           \
    CHECK(::parta::directory::testing::ReasonOf(rpc_status_) == (expected_reason)); \
  } while (false)
#endif

#define REQUIRE_RPC_OK(status)                    \
  do {                                            \
    const ::grpc::Status& rpc_status_ = (status); \
    INFO(rpc_status_.error_message());            \
    REQUIRE(rpc_status_.ok());                    \
  } while (false)
