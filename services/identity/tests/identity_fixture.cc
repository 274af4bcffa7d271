#include "services/identity/tests/identity_fixture.h"

#include <sodium.h>

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "libs/core/status.h"
#include "libs/grpc/client.h"
#include "libs/grpc/status.h"
#include "services/identity/domain/service_scopes.h"

namespace parta::identity::testing {

std::unique_ptr<IdentityFixture> IdentityFixture::Start(
    const std::function<void(IdentityConfig&)>& adjust) {
  auto schema = parta::testing::TestSchema::Create();
  if (!schema) return nullptr;
  std::optional<std::string> redis_uri = parta::testing::TestRedisUri();
  if (!redis_uri) return nullptr;
  std::unique_ptr<IdentityFixture> fixture(new IdentityFixture());
  IdentityConfig& config = fixture->config_;
  config.pg_uri = schema->uri();
  config.pg_pool_size = 8;
  config.redis_uri = *redis_uri;
  config.events_key = "parta:events:identity:" + schema->name();  // one stream per test
  config.grpc_listen = "127.0.0.1:0";
  config.metrics_listen.clear();
  config.master_key =
      *MasterKey::FromHex("8f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0");
  config.migrations_dir = DefaultMigrationsDir();
  config.hashing = {.ops_limit = crypto_pwhash_OPSLIMIT_MIN,
                    .mem_limit_bytes = 64 * 1024,
                    .threads = 2,
                    .queue = 64};
  config.worker_threads = 8;
  if (adjust) adjust(config);
  absl::Status migrated = MigrateIdentity(config);
  INFO(migrated.ToString());
  REQUIRE(migrated.ok());
  absl::StatusOr<std::unique_ptr<IdentityApp>> app = IdentityApp::Start(config, fixture->clock_);
  INFO(app.status().ToString());
  REQUIRE(app.ok());
  fixture->app_ = *std::move(app);
  fixture->pool_ = schema->MakePool(2);
  fixture->schema_ = std::move(schema);
  fixture->stub_ = v1::IdentityService::NewStub(
      grpc::MakeChannel("127.0.0.1:" + std::to_string(fixture->app_->grpc_port())));
  return fixture;
}

std::unique_ptr<::grpc::ClientContext> IdentityFixture::Context(const std::string& token) {
  return grpc::MakeClientContext({.timeout = absl::Seconds(10), .bearer_token = token});
}

::grpc::Status IdentityFixture::Register(const std::string& email, v1::Account* account) {
  v1::RegisterRequest request;
  request.set_email(email);
  request.set_password(kPassword);
  request.set_display_name("Анна Петровна");
  v1::RegisterResponse response;
  ::grpc::Status status = stub_->Register(Context().get(), request, &response);
  if (account != nullptr) *account = response.account();
  return status;
}

::grpc::Status IdentityFixture::Login(const std::string& login, v1::TokenPair* pair,
                                      const std::string& password) {
  v1::LoginRequest request;
  request.set_login(login);
  request.set_password(password);
  request.set_device("test");
  v1::LoginResponse response;
  ::grpc::Status status = stub_->Login(Context().get(), request, &response);
  if (pair != nullptr) *pair = response.tokens();
  return status;
}

IdentityFixture::ServiceClient IdentityFixture::CreateServiceClient(const std::string& service) {
  return CreateApiClient(ServiceScopes().at(service));
}

std::string IdentityFixture::OperatorToken(const std::string& email, v1::Account* account) {
  v1::Account operator_account;
  REQUIRE(Register(email, &operator_account).ok());
  REQUIRE(pool_
              ->Transact([&](pqxx::work& tx) {
                tx.exec_params("UPDATE accounts SET is_operator = true WHERE id = $1",
                               operator_account.id());
                return absl::OkStatus();
              })
              .ok());
  v1::TokenPair op;
  REQUIRE(Login(email, &op).ok());
  if (account != nullptr) *account = operator_account;
  return op.access_token();
}

IdentityFixture::ServiceClient IdentityFixture::CreateApiClient(
    const std::vector<std::string>& scopes) {
  static int counter = 0;
  const std::string op = OperatorToken("operator" + std::to_string(++counter) + "@parta.ru");
  v1::CreateApiClientRequest create;
  create.set_display_name("Parta service");
  for (const std::string& scope : scopes) create.add_scopes(scope);
  v1::CreateApiClientResponse client;
  REQUIRE(stub_->CreateApiClient(Context(op).get(), create, &client).ok());
  return {client.client_id(), client.client_secret()};
}

std::string IdentityFixture::ServiceToken() {
  ServiceClient client =
      CreateApiClient({"identity.accounts.read", "identity.accounts.manage",
                       "identity.esia_children.read", "identity.guests.create",
                       "identity.events.read", "identity.accounts.export"});
  v1::IssueServiceTokenRequest grant;
  grant.set_client_id(client.id);
  grant.set_client_secret(client.secret);
  v1::IssueServiceTokenResponse token;
  REQUIRE(stub_->IssueServiceToken(Context().get(), grant, &token).ok());
  return token.access_token();
}

std::string ReasonOf(const ::grpc::Status& status) {
  return parta::ReasonOf(grpc::FromGrpcStatus(status));
}

void UseEsia(IdentityConfig& config, const parta::testing::PrivateEsia& esia) {
  config.esia = esia::EsiaSettings{.base_url = esia.base_url(),
                                   .client_id = esia.client_id(),
                                   .redirect_uri = kEsiaRedirect,
                                   .issuer = esia.issuer(),
                                   .key_file = esia.client_key_path(),
                                   .certificate_file = esia.client_certificate_path(),
                                   .provider_certificate_file = esia.provider_certificate_path()};
}

v1::CompleteEsiaSignInResponse IdentityFixture::SignInWithEsia(
    const parta::testing::PrivateEsia& esia, const std::string& person) {
  v1::StartEsiaSignInResponse started;
  ::grpc::Status status = stub_->StartEsiaSignIn(Context().get(), {}, &started);
  INFO(status.error_message());
  REQUIRE(status.ok());
  const std::string back = esia.SignInAs(started.authorization_url(), person);
  REQUIRE(absl::StartsWith(back, kEsiaRedirect));
  std::map<std::string, std::string> query = parta::testing::QueryOf(back);
  v1::CompleteEsiaSignInRequest request;
  request.set_state(query["state"]);
  request.set_code(query["code"]);
  request.set_verifier(started.verifier());
  v1::CompleteEsiaSignInResponse done;
  status = stub_->CompleteEsiaSignIn(Context().get(), request, &done);
  INFO(status.error_message());
  REQUIRE(status.ok());
  return done;
}

}  // namespace parta::identity::testing
