#include "tools/bench/bench_keys.h"

#include "libs/core/random.h"

namespace parta::bench {
namespace {

constexpr char kKeyId[] = "bench";

}  // namespace

class KeyServer::Endpoint final : public identity::v1::IdentityService::CallbackService {
 public:
  Endpoint(auth::KeySet keys, std::string service_token)
      : jwks_(auth::KeySetToJwks(keys)), service_token_(std::move(service_token)) {}
  ::grpc::ServerUnaryReactor* GetSigningKeys(
      ::grpc::CallbackServerContext* context, const identity::v1::GetSigningKeysRequest*,
      identity::v1::GetSigningKeysResponse* response) override {
    response->set_jwks_json(jwks_);
    response->mutable_max_age()->set_seconds(300);
    auto* reactor = context->DefaultReactor();
    reactor->Finish(::grpc::Status::OK);
    return reactor;
  }

  // Any client gets the signer's service token (services post on their own behalf with it).
  ::grpc::ServerUnaryReactor* IssueServiceToken(
      ::grpc::CallbackServerContext* context, const identity::v1::IssueServiceTokenRequest*,
      identity::v1::IssueServiceTokenResponse* response) override {
    response->set_access_token(service_token_.substr(std::string("Bearer ").size()));
    response->mutable_expire_time()->set_seconds(
        absl::ToUnixSeconds(absl::Now() + absl::Hours(1)));
    response->add_scopes(std::string(auth::kInternalScope));
    auto* reactor = context->DefaultReactor();
    reactor->Finish(::grpc::Status::OK);
    return reactor;
  }

 private:
  const std::string jwks_;
  const std::string service_token_;
};

auth::KeySet Signer::Keys() const { return {{kKeyId, key_.PublicKey()}}; }

std::string Signer::User(const std::string& user_id, bool is_operator) const {
  return Sign({.subject = user_id, .session_id = "bench-" + user_id, .is_operator = is_operator});
}

std::string Signer::Service() const {
  return Sign({.subject = "bench-service",
               .client_id = "bench-service",
               .scopes = {std::string(auth::kInternalScope)}});
}

std::string Signer::Sign(auth::Claims claims) const {
  absl::Time now = absl::Now();
  claims.issuer = "parta-identity";
  claims.audience = "parta";
  claims.token_id = NewUuidV7(now);
  claims.issued_at = now;
  claims.not_before = now;
  claims.expires_at = now + absl::Hours(2);
  return "Bearer " + auth::SignToken(key_, kKeyId, claims);
}

absl::StatusOr<std::unique_ptr<KeyServer>> KeyServer::Start(const Signer& signer) {
  std::unique_ptr<KeyServer> server(new KeyServer());
  server->endpoint_ = std::make_unique<Endpoint>(signer.Keys(), signer.Service());
  ::grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", ::grpc::InsecureServerCredentials(), &server->port_);
  builder.RegisterService(server->endpoint_.get());
  server->server_ = builder.BuildAndStart();
  if (!server->server_) return absl::InternalError("cannot serve the signing keys");
  return server;
}

KeyServer::~KeyServer() {
  if (server_) server_->Shutdown(std::chrono::system_clock::now());
}

}  // namespace parta::bench
