#pragma once

// The ESIA (Госуслуги) OpenID Connect client, following the provider's published method:
//  - the authorisation request `GET /aas/oauth2/v2/ac` with client_id, scope, response_type=code,
//    state, timestamp ("yyyy.MM.dd HH:mm:ss ±hhmm"), redirect_uri, access_type=online, nonce,
//    client_certificate_hash and client_secret: the detached signature of
//    client_id + scope + timestamp + state + redirect_uri;
//  - the code exchange `POST /aas/oauth2/v3/te` (form) with a new state, signed over
//    client_id + scope + timestamp + state + redirect_uri + code; its ID token is checked
//    (id_token.h) and its state must come back;
//  - the person's data `GET /rs/prns/{oid}` with the access token (names, the trusted flag), and
//    with the scope kid_fullname his children `GET /rs/prns/{oid}/kids?embed=(elements)`.
// The provider is reached over https:// (its certificate checked against the system's trust
// store or `ca_file`), or over plain http:// on this machine (the emulator) or where the
// deployment allows it.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/http/client.h"
#include "services/identity/domain/government_provider.h"
#include "services/identity/esia/id_token.h"
#include "services/identity/esia/request_signer.h"

namespace parta::identity::esia {

struct EsiaSettings {
  std::string base_url;      // https://host[:port][/path] of the provider; http:// as below
  std::string client_id;     // this system's mnemonic at the provider
  std::string redirect_uri;  // where the provider sends the person back (registered there)
  // Only what is used: the names, the SNILS and the children's names and birth dates (see the
  // README for what is fetched and kept).
  std::string scope = "openid fullname snils kid_fullname kid_birthdate";
  std::string issuer;                     // what the ID tokens' `iss` must say
  std::string key_file;                   // the system's private key (PEM)
  std::string certificate_file;           // its registered certificate (PEM)
  std::string provider_certificate_file;  // the provider's, that signs ID tokens (PEM)
  absl::Duration clock_skew = absl::Minutes(5);
  absl::Duration timeout = absl::Seconds(10);  // of each request to the provider
  // Plain http:// to a provider that is not on this machine (a private network only).
  bool allow_plain_http = false;
  // The CAs (a PEM bundle) that the provider's TLS certificate must chain to; empty: the
  // system's trust store. Only with an https:// base_url.
  std::string ca_file;
};

class EsiaClient final : public GovernmentProvider {
 public:
  // Reads the keys and certificates: INVALID_ARGUMENT ESIA_KEYS, ESIA_BAD_URL, ESIA_BAD_CA_FILE.
  // Requests to the provider fail with UNAVAILABLE ESIA_TLS when its certificate does not check
  // out (see libs/http/client.h for the other transport errors).
  static absl::StatusOr<std::unique_ptr<EsiaClient>> Open(const EsiaSettings& settings);

  absl::StatusOr<std::string> AuthorizationUrl(const std::string& state,
                                               const std::string& nonce) override;
  absl::StatusOr<ProviderPerson> Complete(const std::string& code,
                                          const std::string& nonce) override;

 private:
  EsiaClient(EsiaSettings settings, http::Url url, std::unique_ptr<RequestSigner> signer,
             std::unique_ptr<IdTokenVerifier> verifier, std::unique_ptr<http::Client> http);

  // The person's children (`GET /rs/prns/{oid}/kids`), each with his oid, names and birth date.
  absl::StatusOr<std::vector<ProviderChild>> ReadChildren(const std::string& oid,
                                                          const std::string& access_token);
  // `path` ("/aas/oauth2/v3/te") under the base URL's path.
  std::string Target(absl::string_view path) const;

  const EsiaSettings settings_;
  const http::Url url_;
  const std::unique_ptr<RequestSigner> signer_;
  const std::unique_ptr<IdTokenVerifier> verifier_;
  const std::unique_ptr<http::Client> http_;
};

// The provider's timestamp format, in UTC: "2026.12.07 09:00:00 +0000".
std::string EsiaTimestamp(absl::Time at);

}  // namespace parta::identity::esia
