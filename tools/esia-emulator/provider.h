#pragma once

// The emulated identity provider: ESIA's authorisation endpoint with a login page standing in
// for ESIA's, the token endpoint, and the person, contacts and children resources. It knows
// nothing of sockets: the HTTP server hands it requests. Thread-safe.
//
// Endpoints (the README has the contract in full):
//   GET  /aas/oauth2/v2/ac          authorisation request → login page (or an error redirect)
//   POST /aas/oauth2/v2/ac/login    the person chosen → redirect with a code
//   POST /aas/oauth2/v3/te          code → access token and ID token
//   GET  /rs/prns/{oid}[/ctts|/kids] the person's data, as the access token's scope allows
//   GET  /healthz

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/core/clock.h"
#include "tools/esia-emulator/client_certificate.h"
#include "tools/esia-emulator/grants.h"
#include "tools/esia-emulator/http_message.h"
#include "tools/esia-emulator/id_token_signer.h"
#include "tools/esia-emulator/persons.h"
#include "tools/esia-emulator/scopes.h"

namespace parta::esia_emulator {

inline constexpr absl::string_view kDefaultIssuer = "http://esia-emulator.parta/";

struct ProviderConfig {
  std::string client_id;                   // the one registered system
  std::vector<std::string> redirect_uris;  // its registered redirect URIs, compared exactly
  std::string issuer = std::string(kDefaultIssuer);
  absl::Duration timestamp_tolerance = absl::Minutes(5);  // how far `timestamp` may be from now
  absl::Duration id_token_lifetime = absl::Hours(1);
  GrantStore::Limits limits;
};

class Provider {
 public:
  Provider(ProviderConfig config, ClientCertificate certificate, IdTokenSigner signer,
           const Clock& clock);

  // Answers one request. Never throws: an unexpected failure becomes a 500.
  HttpResponse Handle(const HttpRequest& request);

 private:
  HttpResponse Route(const HttpRequest& request);

  // authorization_endpoint.cc
  HttpResponse Authorize(absl::string_view query);
  HttpResponse Login(absl::string_view body);

  // token_endpoint.cc
  HttpResponse ExchangeCode(absl::string_view body);
  absl::StatusOr<std::string> IssueIdToken(const AuthorizationCode& code, const Person& person,
                                           absl::Time now) const;

  // person_endpoints.cc; `rest` is the path after "/rs/prns/".
  HttpResponse ReadPerson(const HttpRequest& request, absl::string_view rest);

  // INVALID_ARGUMENT (BAD_TIMESTAMP / STALE_TIMESTAMP) unless `timestamp` is well-formed and
  // within timestamp_tolerance of now.
  absl::Status CheckTimestamp(absl::string_view timestamp) const;
  bool IsRegisteredRedirectUri(absl::string_view uri) const;

  const ProviderConfig config_;
  const ClientCertificate certificate_;
  const IdTokenSigner signer_;
  const Clock& clock_;
  GrantStore grants_;
};

}  // namespace parta::esia_emulator
