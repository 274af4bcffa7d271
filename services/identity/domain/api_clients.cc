// Operators' management of API clients (declared in identity.h): listing, rotating a secret and
// revoking, binding to a client certificate. Registration and the client-credentials grant are in
// identity.cc.

#include "absl/strings/str_cat.h"
#include "libs/auth/certificate.h"
#include "libs/core/log.h"
#include "libs/core/page_token.h"
#include "libs/core/random.h"
#include "libs/core/status.h"
#include "services/identity/domain/identity.h"

namespace parta::identity {
namespace {

constexpr absl::string_view kApiClientsList = "api_clients";

absl::Status RequireOperator(const auth::Claims& caller) {
  if (caller.is_operator) return absl::OkStatus();
  return PermissionDenied("OPERATOR_ONLY", "only platform operators manage API clients");
}

absl::Status ClientNotFound() {
  return NotFound("API_CLIENT_NOT_FOUND", "no API client has this id");
}

}  // namespace

absl::StatusOr<ApiClientPage> Identity::ListApiClients(const auth::Claims& caller, int page_size,
                                                       absl::string_view page_token) {
  RETURN_IF_ERROR(RequireOperator(caller));
  ASSIGN_OR_RETURN(int limit, PageSize(page_size, 50, 200));
  ASSIGN_OR_RETURN(std::vector<std::string> key,
                   DecodePageToken(page_token, kApiClientsList, "", 1));
  const std::string after = key.empty() ? "" : key[0];
  if (!after.empty() && !IsUuid(after)) return InvalidPageToken();
  ApiClientPage page;
  RETURN_IF_ERROR(store_.Read([&](IdentityTransaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(page.clients, tx.ListApiClients(after, limit + 1));
    return absl::OkStatus();
  }));
  if (static_cast<int>(page.clients.size()) > limit) {
    page.clients.resize(limit);
    page.next_page_token = EncodePageToken(kApiClientsList, "", {page.clients.back().id});
  }
  return page;
}

absl::StatusOr<NewApiClient> Identity::RotateApiClientSecret(const auth::Claims& caller,
                                                             absl::string_view client_id) {
  RETURN_IF_ERROR(RequireOperator(caller));
  NewApiClient rotated{.client_id = std::string(client_id),
                       .client_secret = refresh_tokens_.NewToken()};
  RETURN_IF_ERROR(store_.Transact([&](IdentityTransaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<ApiClient> client, tx.FindApiClient(client_id));
    if (!client) return ClientNotFound();
    ASSIGN_OR_RETURN(bool replaced,
                     tx.ReplaceApiClientSecret(client_id,
                                               RefreshTokenCodec::Hash(rotated.client_secret),
                                               clock_.Now()));
    if (!replaced) {
      return FailedPrecondition("API_CLIENT_REVOKED", "the API client is revoked");
    }
    return absl::OkStatus();
  }));
  log::Info("api client secret rotated")
      .With("client_id", rotated.client_id)
      .With("operator_id", caller.subject);
  return rotated;
}

absl::StatusOr<ApiClient> Identity::SetApiClientCertificate(const auth::Claims& caller,
                                                            absl::string_view client_id,
                                                            absl::string_view pem) {
  RETURN_IF_ERROR(RequireOperator(caller));
  std::optional<auth::CertificateFacts> certificate;
  if (!pem.empty()) {
    ASSIGN_OR_RETURN(certificate, auth::ReadPemCertificate(pem));
  }
  std::optional<ApiClient> client;
  RETURN_IF_ERROR(store_.Transact([&](IdentityTransaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(client, tx.FindApiClient(client_id));
    if (!client) return ClientNotFound();
    ASSIGN_OR_RETURN(
        bool bound,
        tx.SetApiClientCertificate(
            client_id, certificate ? certificate->thumbprint : "",
            certificate ? std::optional<absl::Time>(certificate->not_after) : std::nullopt));
    if (!bound) return FailedPrecondition("API_CLIENT_REVOKED", "the API client is revoked");
    return absl::OkStatus();
  }));
  client->certificate_thumbprint = certificate ? certificate->thumbprint : "";
  client->certificate_not_after =
      certificate ? std::optional<absl::Time>(certificate->not_after) : std::nullopt;
  log::Info("api client certificate set")
      .With("client_id", client->id)
      .With("thumbprint", client->certificate_thumbprint)
      .With("operator_id", caller.subject);
  return *std::move(client);
}

absl::StatusOr<ApiClient> Identity::RevokeApiClient(const auth::Claims& caller,
                                                    absl::string_view client_id) {
  RETURN_IF_ERROR(RequireOperator(caller));
  std::optional<ApiClient> client;
  RETURN_IF_ERROR(store_.Transact([&](IdentityTransaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(client, tx.FindApiClient(client_id));
    if (!client) return ClientNotFound();
    RETURN_IF_ERROR(tx.DisableApiClient(client_id, clock_.Now()));
    ASSIGN_OR_RETURN(client, tx.FindApiClient(client_id));
    return absl::OkStatus();
  }));
  log::Info("api client revoked").With("client_id", client->id).With("operator_id", caller.subject);
  return *std::move(client);
}

}  // namespace parta::identity
