#pragma once

// gRPC face of the identity service: validates nothing itself, maps protos to the use cases of
// domain/identity.h and results back.

#include "libs/grpc/call.h"
#include "parta/identity/v1/identity.grpc.pb.h"
#include "services/identity/api/password_queue.h"
#include "services/identity/domain/identity.h"

namespace parta::identity {

class IdentityGrpcService final : public parta::identity::v1::IdentityService::CallbackService {
 public:
  // Register, Login, ChangePassword, ResetPassword and ActivateManagedAccount run on
  // `passwords`; the rest on the runtime's executor.
  IdentityGrpcService(Identity& identity, KeyRing& keys, grpc::RpcRuntime& runtime,
                      PasswordQueue& passwords)
      : identity_(identity), keys_(keys), runtime_(runtime), passwords_(passwords) {}

  ::grpc::ServerUnaryReactor* Register(::grpc::CallbackServerContext* context,
                                       const v1::RegisterRequest* request,
                                       v1::RegisterResponse* response) override;
  ::grpc::ServerUnaryReactor* Login(::grpc::CallbackServerContext* context,
                                    const v1::LoginRequest* request,
                                    v1::LoginResponse* response) override;
  ::grpc::ServerUnaryReactor* Refresh(::grpc::CallbackServerContext* context,
                                      const v1::RefreshRequest* request,
                                      v1::RefreshResponse* response) override;
  ::grpc::ServerUnaryReactor* Logout(::grpc::CallbackServerContext* context,
                                     const v1::LogoutRequest* request,
                                     v1::LogoutResponse* response) override;
  ::grpc::ServerUnaryReactor* GetMe(::grpc::CallbackServerContext* context,
                                    const v1::GetMeRequest* request,
                                    v1::GetMeResponse* response) override;
  ::grpc::ServerUnaryReactor* UpdateProfile(::grpc::CallbackServerContext* context,
                                            const v1::UpdateProfileRequest* request,
                                            v1::UpdateProfileResponse* response) override;
  ::grpc::ServerUnaryReactor* ListSessions(::grpc::CallbackServerContext* context,
                                           const v1::ListSessionsRequest* request,
                                           v1::ListSessionsResponse* response) override;
  ::grpc::ServerUnaryReactor* RevokeSession(::grpc::CallbackServerContext* context,
                                            const v1::RevokeSessionRequest* request,
                                            v1::RevokeSessionResponse* response) override;
  ::grpc::ServerUnaryReactor* RequestPasswordReset(
      ::grpc::CallbackServerContext* context, const v1::RequestPasswordResetRequest* request,
      v1::RequestPasswordResetResponse* response) override;
  ::grpc::ServerUnaryReactor* ResetPassword(::grpc::CallbackServerContext* context,
                                            const v1::ResetPasswordRequest* request,
                                            v1::ResetPasswordResponse* response) override;
  ::grpc::ServerUnaryReactor* StartContactChange(
      ::grpc::CallbackServerContext* context, const v1::StartContactChangeRequest* request,
      v1::StartContactChangeResponse* response) override;
  ::grpc::ServerUnaryReactor* ConfirmContactChange(
      ::grpc::CallbackServerContext* context, const v1::ConfirmContactChangeRequest* request,
      v1::ConfirmContactChangeResponse* response) override;
  ::grpc::ServerUnaryReactor* LookUpAccount(::grpc::CallbackServerContext* context,
                                            const v1::LookUpAccountRequest* request,
                                            v1::LookUpAccountResponse* response) override;
  ::grpc::ServerUnaryReactor* LockAccount(::grpc::CallbackServerContext* context,
                                          const v1::LockAccountRequest* request,
                                          v1::LockAccountResponse* response) override;
  ::grpc::ServerUnaryReactor* UnlockAccount(::grpc::CallbackServerContext* context,
                                            const v1::UnlockAccountRequest* request,
                                            v1::UnlockAccountResponse* response) override;
  ::grpc::ServerUnaryReactor* ListAccountAudit(::grpc::CallbackServerContext* context,
                                               const v1::ListAccountAuditRequest* request,
                                               v1::ListAccountAuditResponse* response) override;
  ::grpc::ServerUnaryReactor* ChangePassword(::grpc::CallbackServerContext* context,
                                             const v1::ChangePasswordRequest* request,
                                             v1::ChangePasswordResponse* response) override;
  ::grpc::ServerUnaryReactor* CreateApiClient(::grpc::CallbackServerContext* context,
                                              const v1::CreateApiClientRequest* request,
                                              v1::CreateApiClientResponse* response) override;
  ::grpc::ServerUnaryReactor* ListApiClients(::grpc::CallbackServerContext* context,
                                             const v1::ListApiClientsRequest* request,
                                             v1::ListApiClientsResponse* response) override;
  ::grpc::ServerUnaryReactor* RotateApiClientSecret(
      ::grpc::CallbackServerContext* context, const v1::RotateApiClientSecretRequest* request,
      v1::RotateApiClientSecretResponse* response) override;
  ::grpc::ServerUnaryReactor* SetApiClientCertificate(
      ::grpc::CallbackServerContext* context, const v1::SetApiClientCertificateRequest* request,
      v1::SetApiClientCertificateResponse* response) override;
  ::grpc::ServerUnaryReactor* RevokeApiClient(::grpc::CallbackServerContext* context,
                                              const v1::RevokeApiClientRequest* request,
                                              v1::RevokeApiClientResponse* response) override;
  ::grpc::ServerUnaryReactor* IssueServiceToken(::grpc::CallbackServerContext* context,
                                                const v1::IssueServiceTokenRequest* request,
                                                v1::IssueServiceTokenResponse* response) override;
  ::grpc::ServerUnaryReactor* RequestAccountErasure(
      ::grpc::CallbackServerContext* context, const v1::RequestAccountErasureRequest* request,
      v1::RequestAccountErasureResponse* response) override;
  ::grpc::ServerUnaryReactor* RequestErasureOnBehalf(
      ::grpc::CallbackServerContext* context, const v1::RequestErasureOnBehalfRequest* request,
      v1::RequestErasureOnBehalfResponse* response) override;
  ::grpc::ServerUnaryReactor* CancelAccountErasure(
      ::grpc::CallbackServerContext* context, const v1::CancelAccountErasureRequest* request,
      v1::CancelAccountErasureResponse* response) override;
  ::grpc::ServerUnaryReactor* ExportAccountData(::grpc::CallbackServerContext* context,
                                                const v1::ExportAccountDataRequest* request,
                                                v1::ExportAccountDataResponse* response) override;
  ::grpc::ServerUnaryReactor* ListAccountEvents(::grpc::CallbackServerContext* context,
                                                const v1::ListAccountEventsRequest* request,
                                                v1::ListAccountEventsResponse* response) override;
  ::grpc::ServerUnaryReactor* GetAccount(::grpc::CallbackServerContext* context,
                                         const v1::GetAccountRequest* request,
                                         v1::GetAccountResponse* response) override;
  ::grpc::ServerUnaryReactor* StartEsiaSignIn(::grpc::CallbackServerContext* context,
                                              const v1::StartEsiaSignInRequest* request,
                                              v1::StartEsiaSignInResponse* response) override;
  ::grpc::ServerUnaryReactor* CompleteEsiaSignIn(::grpc::CallbackServerContext* context,
                                                 const v1::CompleteEsiaSignInRequest* request,
                                                 v1::CompleteEsiaSignInResponse* response) override;
  ::grpc::ServerUnaryReactor* StartEsiaLink(::grpc::CallbackServerContext* context,
                                            const v1::StartEsiaLinkRequest* request,
                                            v1::StartEsiaLinkResponse* response) override;
  ::grpc::ServerUnaryReactor* CompleteEsiaLink(::grpc::CallbackServerContext* context,
                                               const v1::CompleteEsiaLinkRequest* request,
                                               v1::CompleteEsiaLinkResponse* response) override;
  ::grpc::ServerUnaryReactor* UnlinkEsia(::grpc::CallbackServerContext* context,
                                         const v1::UnlinkEsiaRequest* request,
                                         v1::UnlinkEsiaResponse* response) override;
  ::grpc::ServerUnaryReactor* ListEsiaChildren(::grpc::CallbackServerContext* context,
                                               const v1::ListEsiaChildrenRequest* request,
                                               v1::ListEsiaChildrenResponse* response) override;
  ::grpc::ServerUnaryReactor* GetEsiaChild(::grpc::CallbackServerContext* context,
                                           const v1::GetEsiaChildRequest* request,
                                           v1::GetEsiaChildResponse* response) override;
  ::grpc::ServerUnaryReactor* ActivateManagedAccount(
      ::grpc::CallbackServerContext* context, const v1::ActivateManagedAccountRequest* request,
      v1::ActivateManagedAccountResponse* response) override;
  ::grpc::ServerUnaryReactor* CreateManagedAccounts(
      ::grpc::CallbackServerContext* context, const v1::CreateManagedAccountsRequest* request,
      v1::CreateManagedAccountsResponse* response) override;
  ::grpc::ServerUnaryReactor* IssueLoginCodes(::grpc::CallbackServerContext* context,
                                              const v1::IssueLoginCodesRequest* request,
                                              v1::IssueLoginCodesResponse* response) override;
  ::grpc::ServerUnaryReactor* RaiseVerificationLevel(
      ::grpc::CallbackServerContext* context, const v1::RaiseVerificationLevelRequest* request,
      v1::RaiseVerificationLevelResponse* response) override;
  ::grpc::ServerUnaryReactor* CreateGuestSession(
      ::grpc::CallbackServerContext* context, const v1::CreateGuestSessionRequest* request,
      v1::CreateGuestSessionResponse* response) override;
  ::grpc::ServerUnaryReactor* GetSigningKeys(::grpc::CallbackServerContext* context,
                                             const v1::GetSigningKeysRequest* request,
                                             v1::GetSigningKeysResponse* response) override;
  ::grpc::ServerUnaryReactor* GetJwks(::grpc::CallbackServerContext* context,
                                      const v1::GetJwksRequest* request,
                                      api::v1::HttpBody* response) override;
  ::grpc::ServerUnaryReactor* GetOpenIdConfiguration(::grpc::CallbackServerContext* context,
                                                     const v1::GetOpenIdConfigurationRequest* request,
                                                     api::v1::HttpBody* response) override;

 private:
  // Serves a call whose work hashes a password on the password queue (refused there at once
  // when the queue's wait is too long), like RpcRuntime::Serve otherwise.
  template <typename Request, typename Response, typename Handler>
  ::grpc::ServerUnaryReactor* ServePassword(::grpc::CallbackServerContext* context,
                                            const Request* request, Response* response,
                                            Handler handler) {
    return runtime_.ServeAsync(
        context, request, response,
        [this, handler = std::move(handler)](const grpc::CallContext& call, const Request& req,
                                             Response& resp, grpc::RpcRuntime::Finish finish) {
          passwords_.Submit([handler, call, &req, &resp,
                             finish] { finish(absl::Status(handler(call, req, resp))); },
                            finish);
        });
  }

  Identity& identity_;
  KeyRing& keys_;
  grpc::RpcRuntime& runtime_;
  PasswordQueue& passwords_;
};

}  // namespace parta::identity
