#include "services/identity/api/identity_grpc.h"

#include "google/protobuf/util/time_util.h"
#include "libs/core/status.h"

namespace parta::identity {
namespace {

using google::protobuf::util::TimeUtil;
using grpc::CallContext;

google::protobuf::Timestamp ToProto(absl::Time t) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(t));
}

v1::AccountState ToProto(AccountState state) {
  switch (state) {
    case AccountState::kActive:
      return v1::ACCOUNT_STATE_ACTIVE;
    case AccountState::kLocked:
      return v1::ACCOUNT_STATE_LOCKED;
    case AccountState::kDeleted:
      return v1::ACCOUNT_STATE_DELETED;
  }
  return v1::ACCOUNT_STATE_UNSPECIFIED;
}

v1::VerificationLevel ToProto(VerificationLevel level) {
  switch (level) {
    case VerificationLevel::kNone:
      return v1::VERIFICATION_LEVEL_NONE;
    case VerificationLevel::kSchoolConfirmed:
      return v1::VERIFICATION_LEVEL_SCHOOL_CONFIRMED;
    case VerificationLevel::kGovernmentVerified:
      return v1::VERIFICATION_LEVEL_GOVERNMENT_VERIFIED;
  }
  return v1::VERIFICATION_LEVEL_UNSPECIFIED;
}

void ToProto(const Account& account, v1::Account& out) {
  out.set_id(account.id);
  out.set_email(account.email);
  out.set_phone(account.phone);
  out.set_display_name(account.display_name);
  out.set_state(ToProto(account.state));
  out.set_verification_level(ToProto(account.verification));
  out.set_operator_(account.is_operator);
  *out.mutable_create_time() = ToProto(account.created_at);
}

void ToProto(const IssuedTokens& tokens, v1::TokenPair& out) {
  out.set_access_token(tokens.access_token);
  *out.mutable_access_token_expire_time() = ToProto(tokens.access_expires_at);
  out.set_refresh_token(tokens.refresh_token);
  *out.mutable_refresh_token_expire_time() = ToProto(tokens.refresh_expires_at);
  out.set_session_id(tokens.session_id);
}

}  // namespace

::grpc::ServerUnaryReactor* IdentityGrpcService::Register(::grpc::CallbackServerContext* context,
                                                          const v1::RegisterRequest* request,
                                                          v1::RegisterResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext&, const v1::RegisterRequest& req,
                               v1::RegisterResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(Account account,
                                           identity_.Register({.email = req.email(),
                                                               .phone = req.phone(),
                                                               .password = req.password(),
                                                               .display_name = req.display_name()}));
                          ToProto(account, *resp.mutable_account());
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* IdentityGrpcService::Login(::grpc::CallbackServerContext* context,
                                                       const v1::LoginRequest* request,
                                                       v1::TokenPair* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext& call, const v1::LoginRequest& req,
                               v1::TokenPair& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(IssuedTokens tokens,
                                           identity_.Login({.login = req.login(),
                                                            .password = req.password(),
                                                            .device = req.device(),
                                                            .client_address = call.client_address}));
                          ToProto(tokens, resp);
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* IdentityGrpcService::Refresh(::grpc::CallbackServerContext* context,
                                                         const v1::RefreshRequest* request,
                                                         v1::TokenPair* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext&, const v1::RefreshRequest& req,
                               v1::TokenPair& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(IssuedTokens tokens,
                                           identity_.Refresh(req.refresh_token()));
                          ToProto(tokens, resp);
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* IdentityGrpcService::Logout(::grpc::CallbackServerContext* context,
                                                        const v1::LogoutRequest* request,
                                                        v1::LogoutResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext& call, const v1::LogoutRequest&,
                               v1::LogoutResponse&) { return identity_.Logout(*call.caller); });
}

::grpc::ServerUnaryReactor* IdentityGrpcService::GetMe(::grpc::CallbackServerContext* context,
                                                       const v1::GetMeRequest* request,
                                                       v1::Account* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext& call, const v1::GetMeRequest&,
                               v1::Account& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(Account account, identity_.GetMe(*call.caller));
                          ToProto(account, resp);
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* IdentityGrpcService::GetSigningKeys(
    ::grpc::CallbackServerContext* context, const v1::GetSigningKeysRequest* request,
    v1::GetSigningKeysResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext&, const v1::GetSigningKeysRequest&,
                               v1::GetSigningKeysResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(auth::KeySet keys, keys_.FetchKeys());
                          resp.set_jwks_json(auth::KeySetToJwks(keys));
                          resp.set_max_age_seconds(300);
                          return absl::OkStatus();
                        });
}

}  // namespace parta::identity
