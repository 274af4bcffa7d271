#pragma once

// A real identity service for api and integration tests: its own schema in the test
// PostgreSQL, migrated, served on 127.0.0.1:0, with a fake clock and cheap password hashing.

#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "libs/core/clock.h"
#include "libs/core/status.h"
#include "libs/grpc/status.h"
#include "libs/testing/esia_emulator_server.h"
#include "libs/testing/fixtures.h"
#include "parta/identity/v1/identity.grpc.pb.h"
#include "services/identity/identity_app.h"

namespace parta::identity::testing {

inline constexpr char kPassword[] = "Кот учёный ходит по цепи 1837";
// Where the test ESIA client is registered to send people back to.
inline constexpr char kEsiaRedirect[] = "http://127.0.0.1:8080/esia/return";

// Identity's ESIA settings for the emulator `esia` (its client id, keys and kEsiaRedirect).
void UseEsia(IdentityConfig& config, const parta::testing::PrivateEsia& esia);

class IdentityFixture {
 public:
  // nullptr when there is no test server (local runs outside `tools/parta test`).
  static std::unique_ptr<IdentityFixture> Start(
      const std::function<void(IdentityConfig&)>& adjust = nullptr);

  v1::IdentityService::Stub& stub() { return *stub_; }
  FakeClock& clock() { return clock_; }
  IdentityApp& app() { return *app_; }
  const IdentityConfig& config() const { return config_; }
  pg::Pool& pool() { return *pool_; }

  // A context with a deadline and, when given, a bearer token.
  static std::unique_ptr<::grpc::ClientContext> Context(const std::string& token = "");

  ::grpc::Status Register(const std::string& email, v1::Account* account = nullptr);
  ::grpc::Status Login(const std::string& login, v1::TokenPair* pair,
                       const std::string& password = kPassword);

  // The access token of a new platform operator with login `email` (and his account).
  std::string OperatorToken(const std::string& email, v1::Account* account = nullptr);

  // An API client with `scopes`, registered by an operator made for it.
  struct ServiceClient {
    std::string id;
    std::string secret;
  };
  ServiceClient CreateApiClient(const std::vector<std::string>& scopes);
  // The client of one of Parta's services ("directory"), with the scopes it is granted in
  // production (domain/service_scopes.h).
  ServiceClient CreateServiceClient(const std::string& service);
  // A service token of a new client with every scope of identity's internal RPCs.
  std::string ServiceToken();

  // A whole ESIA sign-in of the emulator's test `person` ("ivanov"), the test playing his
  // browser; fails the test on an error. Needs UseEsia.
  v1::CompleteEsiaSignInResponse SignInWithEsia(const parta::testing::PrivateEsia& esia,
                                                const std::string& person);

 private:
  IdentityFixture() = default;

  FakeClock clock_{absl::Now()};
  std::unique_ptr<parta::testing::TestSchema> schema_;
  std::unique_ptr<pg::Pool> pool_;
  IdentityConfig config_;
  std::unique_ptr<IdentityApp> app_;
  std::unique_ptr<v1::IdentityService::Stub> stub_;
};

// The ErrorInfo reason of a failed call.
std::string ReasonOf(const ::grpc::Status& status);

}  // namespace parta::identity::testing

// A failed RPC with its code and stable reason (both fixtures define the same check).
#ifndef CHECK_RPC_ERROR
#define CHECK_RPC_ERROR(status, expected_code, expected_reason)            \
  do {                                                                     \
    const ::grpc::Status& rpc_status_ = (status);                          \
    INFO(rpc_status_.error_message());                                     \
    CHECK(rpc_status_.error_code() == ::grpc::StatusCode::expected_code);  \
    CHECK(::parta::ReasonOf(::parta::grpc::FromGrpcStatus(rpc_status_)) == \
          (expected_reason));                                              \
  } while (false)
#endif

#define PARTA_IDENTITY_FIXTURE(var, ...)                                              \
  auto var = ::parta::identity::testing::IdentityFixture::Start(__VA_ARGS__);          \
  if (!var) return
