#include "services/identity/api/identity_grpc.h"

#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "google/protobuf/util/time_util.h"
#include "libs/core/status.h"
#include "libs/grpc/export_file.h"
#include "libs/grpc/request_values.h"

namespace parta::identity {
namespace {

using google::protobuf::util::TimeUtil;
using grpc::CallContext;
using grpc::RetryKeyOf;

// How long a client may cache the signing keys (GetSigningKeysResponse.max_age).
constexpr absl::Duration kSigningKeysMaxAge = absl::Minutes(5);

google::protobuf::Timestamp ToProto(absl::Time t) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(t));
}

v1::AccountState ToProto(AccountState state) {
  switch (state) {
    case AccountState::kActive:
      return v1::ACCOUNT_STATE_ACTIVE;
    case AccountState::kLocked:
      return v1::ACCOUNT_STATE_LOCKED;
    case AccountState::kClosed:
      return v1::ACCOUNT_STATE_CLOSED;
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

// `own`: an answer to the account's own person (what only he is shown).
v1::DeliveryChannel ToProto(DeliveryChannel channel) {
  return channel == DeliveryChannel::kEmail ? v1::DELIVERY_CHANNEL_EMAIL
                                            : v1::DELIVERY_CHANNEL_SMS;
}

v1::AccountAuditAction ToProto(AuditAction action) {
  switch (action) {
    case AuditAction::kLocked:
      return v1::ACCOUNT_AUDIT_ACTION_LOCKED;
    case AuditAction::kUnlocked:
      return v1::ACCOUNT_AUDIT_ACTION_UNLOCKED;
    case AuditAction::kLookedUp:
      return v1::ACCOUNT_AUDIT_ACTION_LOOKED_UP;
    case AuditAction::kContactChanged:
      return v1::ACCOUNT_AUDIT_ACTION_CONTACT_CHANGED;
    case AuditAction::kErasureRequested:
      return v1::ACCOUNT_AUDIT_ACTION_ERASURE_REQUESTED;
    case AuditAction::kErasureCancelled:
      return v1::ACCOUNT_AUDIT_ACTION_ERASURE_CANCELLED;
    case AuditAction::kErased:
      return v1::ACCOUNT_AUDIT_ACTION_ERASED;
    case AuditAction::kPasswordReset:
      break;
  }
  return v1::ACCOUNT_AUDIT_ACTION_PASSWORD_RESET;
}

void ToProto(const Account& account, v1::Account& out, bool own = false) {
  if (own) out.set_snils_masked(account.snils_masked);
  out.set_id(account.id);
  out.set_email(account.email);
  out.set_phone(account.phone);
  out.set_display_name(account.display_name);
  out.set_state(ToProto(account.state));
  out.set_verification_level(ToProto(account.verification));
  out.set_operator_(account.is_operator);
  out.set_username(account.username);
  out.set_guest(account.guest);
  out.set_esia_linked(!account.esia_oid.empty());
  *out.mutable_create_time() = ToProto(account.created_at);
}

// `current_session`: the caller's own session, marked `current`.
void ToProto(const Session& session, v1::Session& out, absl::string_view current_session) {
  out.set_id(session.id);
  out.set_device(session.device);
  out.set_client_address(session.client_address);
  *out.mutable_create_time() = ToProto(session.created_at);
  *out.mutable_last_use_time() = ToProto(session.last_used_at);
  out.set_current(session.id == current_session);
}

void ToProto(const AuditEntry& entry, v1::AccountAuditEntry& out) {
  out.set_id(entry.id);
  out.set_action(ToProto(entry.action));
  out.set_account_id(entry.account_id);
  out.set_actor_id(entry.actor_id);
  out.set_reason(entry.reason);
  out.set_client_address(entry.client_address);
  *out.mutable_create_time() = ToProto(entry.created_at);
}

void ToProto(const IssuedTokens& tokens, v1::TokenPair& out) {
  out.set_access_token(tokens.access_token);
  *out.mutable_access_token_expire_time() = ToProto(tokens.access_expires_at);
  out.set_refresh_token(tokens.refresh_token);
  *out.mutable_refresh_token_expire_time() = ToProto(tokens.refresh_expires_at);
  out.set_session_id(tokens.session_id);
}

// StartEsiaSignInResponse and StartEsiaLinkResponse, which carry the same fields.
template <typename StartResponse>
void ToProto(EsiaStart start, StartResponse& out) {
  out.set_authorization_url(std::move(start.authorization_url));
  out.set_state(std::move(start.state));
  out.set_verifier(std::move(start.verifier));
  *out.mutable_expire_time() = ToProto(start.expires_at);
}

void ToProto(const ManagedCredentials& credentials, v1::ManagedAccountCredentials& out) {
  ToProto(credentials.account, *out.mutable_account());
  out.set_login_code(credentials.login_code);
  if (!credentials.login_code.empty()) {
    *out.mutable_code_expire_time() = ToProto(credentials.code_expires_at);
  }
  out.set_created(credentials.created);
}

}  // namespace

::grpc::ServerUnaryReactor* IdentityGrpcService::Register(::grpc::CallbackServerContext* context,
                                                          const v1::RegisterRequest* request,
                                                          v1::RegisterResponse* response) {
  return ServePassword(
      context, request, response,
      [this](const CallContext&, const v1::RegisterRequest& req,
             v1::RegisterResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(Account account, identity_.Register({.email = req.email(),
                                                              .phone = req.phone(),
                                                              .password = req.password(),
                                                              .display_name = req.display_name()}));
        ToProto(account, *resp.mutable_account(), /*own=*/true);
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* IdentityGrpcService::Login(::grpc::CallbackServerContext* context,
                                                       const v1::LoginRequest* request,
                                                       v1::LoginResponse* response) {
  return ServePassword(context, request, response,
                       [this](const CallContext& call, const v1::LoginRequest& req,
                              v1::LoginResponse& resp) -> absl::Status {
                         ASSIGN_OR_RETURN(IssuedTokens tokens,
                                          identity_.Login({.login = req.login(),
                                                           .password = req.password(),
                                                           .device = req.device(),
                                                           .client_address = call.client_address}));
                         ToProto(tokens, *resp.mutable_tokens());
                         return absl::OkStatus();
                       });
}

::grpc::ServerUnaryReactor* IdentityGrpcService::Refresh(::grpc::CallbackServerContext* context,
                                                         const v1::RefreshRequest* request,
                                                         v1::RefreshResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext&, const v1::RefreshRequest& req,
                               v1::RefreshResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(IssuedTokens tokens,
                                           identity_.Refresh(req.refresh_token()));
                          ToProto(tokens, *resp.mutable_tokens());
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
                                                       v1::GetMeResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext& call, const v1::GetMeRequest&,
                               v1::GetMeResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(Account account, identity_.GetMe(*call.caller));
                          ToProto(account, *resp.mutable_account(), /*own=*/true);
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* IdentityGrpcService::UpdateProfile(
    ::grpc::CallbackServerContext* context, const v1::UpdateProfileRequest* request,
    v1::UpdateProfileResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::UpdateProfileRequest& req,
             v1::UpdateProfileResponse& resp) -> absl::Status {
        const auto& paths = req.update_mask().paths();
        if (paths.size() != 1 || paths[0] != "display_name") {
          return InvalidArgument("INVALID_UPDATE_MASK", "update_mask must name display_name");
        }
        ASSIGN_OR_RETURN(Account account,
                         identity_.UpdateDisplayName(*call.caller, req.display_name()));
        ToProto(account, *resp.mutable_account(), /*own=*/true);
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* IdentityGrpcService::ListSessions(
    ::grpc::CallbackServerContext* context, const v1::ListSessionsRequest* request,
    v1::ListSessionsResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext& call, const v1::ListSessionsRequest& req,
                               v1::ListSessionsResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(SessionPage page,
                                           identity_.ListSessions(*call.caller, req.page_size(),
                                                                  req.page_token()));
                          resp.set_next_page_token(page.next_page_token);
                          for (const Session& session : page.sessions) {
                            ToProto(session, *resp.add_sessions(), call.caller->session_id);
                          }
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* IdentityGrpcService::RevokeSession(
    ::grpc::CallbackServerContext* context, const v1::RevokeSessionRequest* request,
    v1::RevokeSessionResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext& call, const v1::RevokeSessionRequest& req,
                               v1::RevokeSessionResponse&) {
                          return identity_.RevokeSession(*call.caller, req.session_id());
                        });
}

::grpc::ServerUnaryReactor* IdentityGrpcService::ChangePassword(
    ::grpc::CallbackServerContext* context, const v1::ChangePasswordRequest* request,
    v1::ChangePasswordResponse* response) {
  return ServePassword(context, request, response,
                        [this](const CallContext& call, const v1::ChangePasswordRequest& req,
                               v1::ChangePasswordResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(
                              int revoked,
                              identity_.ChangePassword(*call.caller, req.current_password(),
                                                       req.new_password(), call.client_address));
                          resp.set_revoked_sessions(revoked);
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* IdentityGrpcService::RequestPasswordReset(
    ::grpc::CallbackServerContext* context, const v1::RequestPasswordResetRequest* request,
    v1::RequestPasswordResetResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::RequestPasswordResetRequest& req,
             v1::RequestPasswordResetResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(PasswordResetStarted started,
                         identity_.RequestPasswordReset(req.login(), call.client_address));
        resp.set_channel(ToProto(started.channel));
        *resp.mutable_expire_time() = ToProto(started.expires_at);
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* IdentityGrpcService::ResetPassword(
    ::grpc::CallbackServerContext* context, const v1::ResetPasswordRequest* request,
    v1::ResetPasswordResponse* response) {
  return ServePassword(context, request, response,
                       [this](const CallContext& call, const v1::ResetPasswordRequest& req,
                              v1::ResetPasswordResponse& resp) -> absl::Status {
                         ASSIGN_OR_RETURN(
                             IssuedTokens tokens,
                             identity_.ResetPassword({.login = req.login(),
                                                      .code = req.code(),
                                                      .new_password = req.new_password(),
                                                      .device = req.device(),
                                                      .client_address = call.client_address}));
                         ToProto(tokens, *resp.mutable_tokens());
                         return absl::OkStatus();
                       });
}

::grpc::ServerUnaryReactor* IdentityGrpcService::StartContactChange(
    ::grpc::CallbackServerContext* context, const v1::StartContactChangeRequest* request,
    v1::StartContactChangeResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::StartContactChangeRequest& req,
             v1::StartContactChangeResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(PasswordResetStarted started,
                         identity_.StartContactChange(*call.caller, req.email(), req.phone()));
        resp.set_channel(ToProto(started.channel));
        *resp.mutable_expire_time() = ToProto(started.expires_at);
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* IdentityGrpcService::ConfirmContactChange(
    ::grpc::CallbackServerContext* context, const v1::ConfirmContactChangeRequest* request,
    v1::ConfirmContactChangeResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::ConfirmContactChangeRequest& req,
             v1::ConfirmContactChangeResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(Account account, identity_.ConfirmContactChange(
                                              *call.caller, req.code(), call.client_address));
        ToProto(account, *resp.mutable_account(), /*own=*/true);
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* IdentityGrpcService::LookUpAccount(
    ::grpc::CallbackServerContext* context, const v1::LookUpAccountRequest* request,
    v1::LookUpAccountResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::LookUpAccountRequest& req,
             v1::LookUpAccountResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(
            std::optional<Account> account,
            identity_.LookUpAccount(*call.caller, req.login(), req.account_id(),
                                    {.reason = req.reason(),
                                     .client_address = call.client_address}));
        if (account) ToProto(*account, *resp.add_accounts());
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* IdentityGrpcService::LockAccount(
    ::grpc::CallbackServerContext* context, const v1::LockAccountRequest* request,
    v1::LockAccountResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::LockAccountRequest& req,
             v1::LockAccountResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(Account account,
                         identity_.LockAccount(*call.caller, req.account_id(),
                                               {.reason = req.reason(),
                                                .client_address = call.client_address}));
        ToProto(account, *resp.mutable_account());
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* IdentityGrpcService::UnlockAccount(
    ::grpc::CallbackServerContext* context, const v1::UnlockAccountRequest* request,
    v1::UnlockAccountResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::UnlockAccountRequest& req,
             v1::UnlockAccountResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(Account account,
                         identity_.UnlockAccount(*call.caller, req.account_id(),
                                                 {.reason = req.reason(),
                                                  .client_address = call.client_address}));
        ToProto(account, *resp.mutable_account());
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* IdentityGrpcService::ListAccountAudit(
    ::grpc::CallbackServerContext* context, const v1::ListAccountAuditRequest* request,
    v1::ListAccountAuditResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::ListAccountAuditRequest& req,
             v1::ListAccountAuditResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(AuditPage page,
                         identity_.ListAccountAudit(*call.caller, req.account_id(),
                                                    req.page_size(), req.page_token()));
        for (const AuditEntry& entry : page.entries) ToProto(entry, *resp.add_entries());
        resp.set_next_page_token(page.next_page_token);
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* IdentityGrpcService::CreateApiClient(
    ::grpc::CallbackServerContext* context, const v1::CreateApiClientRequest* request,
    v1::CreateApiClientResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext& call, const v1::CreateApiClientRequest& req,
                               v1::CreateApiClientResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(RetryKey retry, RetryKeyOf(req));
                          ASSIGN_OR_RETURN(
                              NewApiClient client,
                              identity_.CreateApiClient(
                                  *call.caller,
                                  {.display_name = req.display_name(),
                                   .scopes = {req.scopes().begin(), req.scopes().end()},
                                   .client_certificate = req.client_certificate(),
                                   .school_ids = {req.school_ids().begin(), req.school_ids().end()},
                                   .region_codes = {req.region_codes().begin(),
                                                    req.region_codes().end()}},
                                  retry));
                          resp.set_client_id(client.client_id);
                          resp.set_client_secret(client.client_secret);
                          return absl::OkStatus();
                        });
}

namespace {

void ToProto(const ApiClient& client, v1::ApiClient& out) {
  out.set_id(client.id);
  out.set_display_name(client.display_name);
  for (const std::string& scope : client.scopes) out.add_scopes(scope);
  out.set_created_by(client.created_by);
  *out.mutable_create_time() = ToProto(client.created_at);
  *out.mutable_secret_time() = ToProto(client.secret_changed_at);
  if (client.disabled_at) *out.mutable_revoke_time() = ToProto(*client.disabled_at);
  out.set_certificate_sha256(client.certificate_thumbprint);
  for (const std::string& id : client.school_ids) out.add_school_ids(id);
  for (const std::string& code : client.region_codes) out.add_region_codes(code);
  if (client.certificate_not_after) {
    *out.mutable_certificate_expire_time() = ToProto(*client.certificate_not_after);
  }
}

}  // namespace

::grpc::ServerUnaryReactor* IdentityGrpcService::ListApiClients(
    ::grpc::CallbackServerContext* context, const v1::ListApiClientsRequest* request,
    v1::ListApiClientsResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext& call, const v1::ListApiClientsRequest& req,
                               v1::ListApiClientsResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(ApiClientPage page,
                                           identity_.ListApiClients(*call.caller, req.page_size(),
                                                                    req.page_token()));
                          for (const ApiClient& client : page.clients) {
                            ToProto(client, *resp.add_clients());
                          }
                          resp.set_next_page_token(page.next_page_token);
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* IdentityGrpcService::RotateApiClientSecret(
    ::grpc::CallbackServerContext* context, const v1::RotateApiClientSecretRequest* request,
    v1::RotateApiClientSecretResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::RotateApiClientSecretRequest& req,
             v1::RotateApiClientSecretResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(NewApiClient rotated,
                         identity_.RotateApiClientSecret(*call.caller, req.client_id()));
        resp.set_client_id(rotated.client_id);
        resp.set_client_secret(rotated.client_secret);
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* IdentityGrpcService::SetApiClientCertificate(
    ::grpc::CallbackServerContext* context, const v1::SetApiClientCertificateRequest* request,
    v1::SetApiClientCertificateResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::SetApiClientCertificateRequest& req,
             v1::SetApiClientCertificateResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(ApiClient client,
                         identity_.SetApiClientCertificate(*call.caller, req.client_id(),
                                                           req.client_certificate()));
        ToProto(client, *resp.mutable_client());
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* IdentityGrpcService::RevokeApiClient(
    ::grpc::CallbackServerContext* context, const v1::RevokeApiClientRequest* request,
    v1::RevokeApiClientResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext& call, const v1::RevokeApiClientRequest& req,
                               v1::RevokeApiClientResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(ApiClient client,
                                           identity_.RevokeApiClient(*call.caller, req.client_id()));
                          ToProto(client, *resp.mutable_client());
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* IdentityGrpcService::IssueServiceToken(
    ::grpc::CallbackServerContext* context, const v1::IssueServiceTokenRequest* request,
    v1::IssueServiceTokenResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::IssueServiceTokenRequest& req,
             v1::IssueServiceTokenResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(IssuedServiceToken token,
                         identity_.IssueServiceToken(req.client_id(), req.client_secret(),
                                                     {req.scopes().begin(), req.scopes().end()},
                                                     call.ClientCertificateThumbprint()));
        resp.set_access_token(token.access_token);
        *resp.mutable_expire_time() = ToProto(token.expires_at);
        for (const std::string& scope : token.scopes) resp.add_scopes(scope);
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* IdentityGrpcService::RequestAccountErasure(
    ::grpc::CallbackServerContext* context, const v1::RequestAccountErasureRequest* request,
    v1::RequestAccountErasureResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::RequestAccountErasureRequest& req,
             v1::RequestAccountErasureResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(ErasureStarted started,
                         identity_.RequestAccountErasure(
                             *call.caller, req.account_id(),
                             {.reason = req.reason(), .client_address = call.client_address}));
        ToProto(started.account, *resp.mutable_account(),
                /*own=*/started.account.id == call.caller->subject);
        *resp.mutable_erase_time() = ToProto(started.erase_at);
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* IdentityGrpcService::RequestErasureOnBehalf(
    ::grpc::CallbackServerContext* context, const v1::RequestErasureOnBehalfRequest* request,
    v1::RequestErasureOnBehalfResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext&, const v1::RequestErasureOnBehalfRequest& req,
             v1::RequestErasureOnBehalfResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(ErasureStarted started,
                         identity_.RequestErasureOnBehalf(
                             req.requested_by(), req.account_id(),
                             {.reason = req.reason(), .client_address = req.client_address()}));
        ToProto(started.account, *resp.mutable_account());
        *resp.mutable_erase_time() = ToProto(started.erase_at);
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* IdentityGrpcService::CancelAccountErasure(
    ::grpc::CallbackServerContext* context, const v1::CancelAccountErasureRequest* request,
    v1::CancelAccountErasureResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::CancelAccountErasureRequest& req,
             v1::CancelAccountErasureResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(Account account,
                         identity_.CancelAccountErasure(
                             *call.caller, req.account_id(),
                             {.reason = req.reason(), .client_address = call.client_address}));
        ToProto(account, *resp.mutable_account());
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* IdentityGrpcService::ListAccountEvents(
    ::grpc::CallbackServerContext* context, const v1::ListAccountEventsRequest* request,
    v1::ListAccountEventsResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext&, const v1::ListAccountEventsRequest& req,
             v1::ListAccountEventsResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(EventPage page,
                         identity_.ListAccountEvents(req.after_sequence(), req.page_size()));
        for (const Event& event : page.events) {
          v1::StreamedAccountEvent& out = *resp.add_events();
          out.set_sequence(event.sequence);
          if (!out.mutable_event()->ParseFromString(event.payload)) {
            return Internal("CORRUPT_EVENT", "an account event does not parse");
          }
        }
        resp.set_has_more(page.has_more);
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* IdentityGrpcService::ExportAccountData(
    ::grpc::CallbackServerContext* context, const v1::ExportAccountDataRequest* request,
    v1::ExportAccountDataResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext&, const v1::ExportAccountDataRequest& req,
             v1::ExportAccountDataResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(AccountExport data, identity_.ExportAccountData(req.account_id()));
        v1::Account account;
        ToProto(data.account, account, /*own=*/true);
        v1::ListSessionsResponse sessions;
        for (const Session& session : data.open_sessions) {
          ToProto(session, *sessions.add_sessions(), /*current_session=*/"");
        }
        v1::ListAccountAuditResponse audit;
        for (const AuditEntry& entry : data.audit) ToProto(entry, *audit.add_entries());
        *resp.add_files() = grpc::ExportJson("identity/account.json", account);
        *resp.add_files() = grpc::ExportJson("identity/sessions.json", sessions);
        *resp.add_files() = grpc::ExportJson("identity/account_audit.json", audit);
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* IdentityGrpcService::GetAccount(::grpc::CallbackServerContext* context,
                                                            const v1::GetAccountRequest* request,
                                                            v1::GetAccountResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext&, const v1::GetAccountRequest& req,
                               v1::GetAccountResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(Account account, identity_.GetAccount(req.account_id()));
                          ToProto(account, *resp.mutable_account());
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* IdentityGrpcService::StartEsiaSignIn(
    ::grpc::CallbackServerContext* context, const v1::StartEsiaSignInRequest* request,
    v1::StartEsiaSignInResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext&, const v1::StartEsiaSignInRequest&,
                               v1::StartEsiaSignInResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(EsiaStart start, identity_.StartEsiaSignIn());
                          ToProto(std::move(start), resp);
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* IdentityGrpcService::CompleteEsiaSignIn(
    ::grpc::CallbackServerContext* context, const v1::CompleteEsiaSignInRequest* request,
    v1::CompleteEsiaSignInResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::CompleteEsiaSignInRequest& req,
             v1::CompleteEsiaSignInResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(EsiaSignIn signed_in,
                         identity_.CompleteEsiaSignIn({.state = req.state(),
                                                       .verifier = req.verifier(),
                                                       .code = req.code(),
                                                       .error = req.error(),
                                                       .error_description = req.error_description(),
                                                       .device = req.device(),
                                                       .client_address = call.client_address}));
        ToProto(signed_in.tokens, *resp.mutable_tokens());
        ToProto(signed_in.account, *resp.mutable_account(), /*own=*/true);
        resp.set_created(signed_in.created);
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* IdentityGrpcService::StartEsiaLink(
    ::grpc::CallbackServerContext* context, const v1::StartEsiaLinkRequest* request,
    v1::StartEsiaLinkResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext& call, const v1::StartEsiaLinkRequest&,
                               v1::StartEsiaLinkResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(EsiaStart start, identity_.StartEsiaLink(*call.caller));
                          ToProto(std::move(start), resp);
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* IdentityGrpcService::CompleteEsiaLink(
    ::grpc::CallbackServerContext* context, const v1::CompleteEsiaLinkRequest* request,
    v1::CompleteEsiaLinkResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::CompleteEsiaLinkRequest& req,
             v1::CompleteEsiaLinkResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(Account account,
                         identity_.CompleteEsiaLink(*call.caller,
                                                    {.state = req.state(),
                                                     .verifier = req.verifier(),
                                                     .code = req.code(),
                                                     .error = req.error(),
                                                     .error_description = req.error_description(),
                                                     .client_address = call.client_address}));
        ToProto(account, *resp.mutable_account(), /*own=*/true);
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* IdentityGrpcService::UnlinkEsia(::grpc::CallbackServerContext* context,
                                                            const v1::UnlinkEsiaRequest* request,
                                                            v1::UnlinkEsiaResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext& call, const v1::UnlinkEsiaRequest&,
                               v1::UnlinkEsiaResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(Account account, identity_.UnlinkEsia(*call.caller));
                          ToProto(account, *resp.mutable_account(), /*own=*/true);
                          return absl::OkStatus();
                        });
}

namespace {

void ToProto(const ProviderChild& child, v1::EsiaChild& out) {
  out.set_id(child.oid);
  out.set_last_name(child.last_name);
  out.set_first_name(child.first_name);
  out.set_middle_name(child.middle_name);
  out.set_birth_date(child.birth_date);
}

}  // namespace

::grpc::ServerUnaryReactor* IdentityGrpcService::ListEsiaChildren(
    ::grpc::CallbackServerContext* context, const v1::ListEsiaChildrenRequest* request,
    v1::ListEsiaChildrenResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext& call, const v1::ListEsiaChildrenRequest&,
             v1::ListEsiaChildrenResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(std::vector<ProviderChild> children,
                         identity_.ListEsiaChildren(*call.caller));
        for (const ProviderChild& child : children) ToProto(child, *resp.add_children());
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* IdentityGrpcService::GetEsiaChild(
    ::grpc::CallbackServerContext* context, const v1::GetEsiaChildRequest* request,
    v1::GetEsiaChildResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext&, const v1::GetEsiaChildRequest& req,
             v1::GetEsiaChildResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(ProviderChild child,
                         identity_.GetEsiaChild(req.account_id(), req.child_id()));
        ToProto(child, *resp.mutable_child());
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* IdentityGrpcService::ActivateManagedAccount(
    ::grpc::CallbackServerContext* context, const v1::ActivateManagedAccountRequest* request,
    v1::ActivateManagedAccountResponse* response) {
  return ServePassword(
      context, request, response,
      [this](const CallContext& call, const v1::ActivateManagedAccountRequest& req,
             v1::ActivateManagedAccountResponse& resp) -> absl::Status {
        ASSIGN_OR_RETURN(IssuedTokens tokens,
                         identity_.ActivateManagedAccount({.login = req.login(),
                                                           .code = req.code(),
                                                           .new_password = req.new_password(),
                                                           .device = req.device(),
                                                           .client_address = call.client_address}));
        ToProto(tokens, *resp.mutable_tokens());
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* IdentityGrpcService::CreateManagedAccounts(
    ::grpc::CallbackServerContext* context, const v1::CreateManagedAccountsRequest* request,
    v1::CreateManagedAccountsResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext&, const v1::CreateManagedAccountsRequest& req,
             v1::CreateManagedAccountsResponse& resp) -> absl::Status {
        std::vector<NewManagedAccount> accounts;
        for (const v1::NewManagedAccount& a : req.accounts()) {
          accounts.push_back({.display_name = a.display_name(), .external_key = a.external_key()});
        }
        ASSIGN_OR_RETURN(std::vector<ManagedCredentials> created,
                         identity_.CreateManagedAccounts(accounts));
        for (const ManagedCredentials& c : created) {
          ToProto(c, *resp.add_accounts());
        }
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* IdentityGrpcService::IssueLoginCodes(
    ::grpc::CallbackServerContext* context, const v1::IssueLoginCodesRequest* request,
    v1::IssueLoginCodesResponse* response) {
  return runtime_.Serve(context, request, response,
                        [this](const CallContext&, const v1::IssueLoginCodesRequest& req,
                               v1::IssueLoginCodesResponse& resp) -> absl::Status {
                          ASSIGN_OR_RETURN(std::vector<ManagedCredentials> issued,
                                           identity_.IssueLoginCodes({req.account_ids().begin(),
                                                                      req.account_ids().end()}));
                          for (const ManagedCredentials& c : issued) {
                            ToProto(c, *resp.add_accounts());
                          }
                          return absl::OkStatus();
                        });
}

::grpc::ServerUnaryReactor* IdentityGrpcService::RaiseVerificationLevel(
    ::grpc::CallbackServerContext* context, const v1::RaiseVerificationLevelRequest* request,
    v1::RaiseVerificationLevelResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext&, const v1::RaiseVerificationLevelRequest& req,
             v1::RaiseVerificationLevelResponse& resp) -> absl::Status {
        VerificationLevel level;
        switch (req.level()) {
          case v1::VERIFICATION_LEVEL_SCHOOL_CONFIRMED:
            level = VerificationLevel::kSchoolConfirmed;
            break;
          case v1::VERIFICATION_LEVEL_GOVERNMENT_VERIFIED:
            level = VerificationLevel::kGovernmentVerified;
            break;
          default:
            return InvalidArgument("INVALID_LEVEL", "level must be a confirmed level");
        }
        ASSIGN_OR_RETURN(Account account,
                         identity_.RaiseVerificationLevel(req.account_id(), level));
        ToProto(account, *resp.mutable_account());
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* IdentityGrpcService::CreateGuestSession(
    ::grpc::CallbackServerContext* context, const v1::CreateGuestSessionRequest* request,
    v1::CreateGuestSessionResponse* response) {
  return runtime_.Serve(
      context, request, response,
      [this](const CallContext&, const v1::CreateGuestSessionRequest& req,
             v1::CreateGuestSessionResponse& resp) -> absl::Status {
        // Unset is zero, which the use case refuses like any other duration out of range.
        absl::Duration valid_for =
            absl::Seconds(req.valid_for().seconds()) + absl::Nanoseconds(req.valid_for().nanos());
        ASSIGN_OR_RETURN(GuestSession guest,
                         identity_.CreateGuestSession(req.display_name(), valid_for));
        ToProto(guest.account, *resp.mutable_account());
        resp.set_access_token(guest.tokens.access_token);
        resp.set_refresh_token(guest.tokens.refresh_token);
        *resp.mutable_expire_time() = ToProto(guest.expires_at);
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* IdentityGrpcService::GetSigningKeys(
    ::grpc::CallbackServerContext* context, const v1::GetSigningKeysRequest* request,
    v1::GetSigningKeysResponse* response) {
  // Keys are in memory: no need to leave gRPC's thread.
  return runtime_.ServeNonBlocking(context, request, response,
                                   [this](const CallContext&, const v1::GetSigningKeysRequest&,
                                          v1::GetSigningKeysResponse& resp) -> absl::Status {
                                     ASSIGN_OR_RETURN(auth::KeySet keys, keys_.FetchKeys());
                                     resp.set_jwks_json(auth::KeySetToJwks(keys));
                                     resp.mutable_max_age()->set_seconds(
                                         absl::ToInt64Seconds(kSigningKeysMaxAge));
                                     return absl::OkStatus();
                                   });
}

::grpc::ServerUnaryReactor* IdentityGrpcService::GetJwks(::grpc::CallbackServerContext* context,
                                                         const v1::GetJwksRequest* request,
                                                         api::v1::HttpBody* response) {
  return runtime_.ServeNonBlocking(
      context, request, response,
      [this](const CallContext&, const v1::GetJwksRequest&, api::v1::HttpBody& resp)
          -> absl::Status {
        ASSIGN_OR_RETURN(auth::KeySet keys, keys_.FetchKeys());
        resp.set_content_type("application/jwk-set+json");
        resp.set_data(auth::KeySetToJwks(keys));
        return absl::OkStatus();
      });
}

::grpc::ServerUnaryReactor* IdentityGrpcService::GetOpenIdConfiguration(
    ::grpc::CallbackServerContext* context, const v1::GetOpenIdConfigurationRequest* request,
    api::v1::HttpBody* response) {
  return runtime_.ServeNonBlocking(
      context, request, response,
      [this](const CallContext&, const v1::GetOpenIdConfigurationRequest&,
             api::v1::HttpBody& resp) -> absl::Status {
        const std::string& issuer = identity_.settings().issuer;
        if (!absl::StartsWith(issuer, "https://") && !absl::StartsWith(issuer, "http://")) {
          return FailedPrecondition("ISSUER_NOT_URL",
                                    "the tokens' issuer (PARTA_AUTH_ISSUER) is not an http(s) URL "
                                    "under which this document is served");
        }
        // What a verifier of access tokens reads. Parta signs in its own users and is no
        // authorisation server for other sites, so the authorisation-flow fields of OpenID
        // discovery (authorization_endpoint, response_types_supported) are left out.
        const nlohmann::json document = {
            {"issuer", issuer},
            {"jwks_uri", absl::StrCat(absl::StripSuffix(issuer, "/"), "/.well-known/jwks.json")},
            {"subject_types_supported", {"public"}},
            {"id_token_signing_alg_values_supported", {"EdDSA"}},
            {"claims_supported", {"iss", "aud", "sub", "sid", "client_id", "exp", "nbf", "iat",
                                  "jti", "op", "scope"}}};
        resp.set_content_type("application/json");
        resp.set_data(document.dump());
        return absl::OkStatus();
      });
}

}  // namespace parta::identity
