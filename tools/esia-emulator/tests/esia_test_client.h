#pragma once

// Drives a PrivateEsia as Parta's identity service does: builds and signs the authorisation and
// token requests, picks a person on the login page, reads the person's resources, and verifies
// ID tokens. Failures of the steps that must succeed fail the test.

#include <map>
#include <optional>
#include <string>

#include "libs/http/client.h"
#include "libs/testing/esia_emulator_server.h"
#include "nlohmann/json.hpp"

namespace parta::esia_emulator {

using RequestParams = std::map<std::string, std::string>;

// Every scope the emulator knows.
inline constexpr char kAllScopes[] =
    "openid fullname birthdate gender snils email mobile kid_fullname kid_birthdate kid_gender";

class EsiaTestClient {
 public:
  explicit EsiaTestClient(const testing::PrivateEsia& esia);

  // A fresh authorisation request (new state, current timestamp) signed with the client's key.
  RequestParams AuthorizationParams(const std::string& scope, const std::string& redirect_uri);
  // Sets client_secret over client_id + scope + timestamp + state + redirect_uri.
  void SignAuthorization(RequestParams& params, const std::string& key_path,
                         const std::string& certificate_path) const;
  http::Response GetAuthorization(const RequestParams& params);
  // Presses the button of `person` on the login page of `request_id`.
  http::Response Login(const std::string& request_id, const std::string& person);

  // A token request for `code` (new state, current timestamp) signed with the client's key.
  RequestParams TokenParams(const std::string& code, const std::string& redirect_uri,
                            const std::string& scope);
  // Sets client_secret over client_id + scope + timestamp + state + redirect_uri + code.
  void SignToken(RequestParams& params, const std::string& key_path,
                 const std::string& certificate_path) const;
  http::Response PostToken(const RequestParams& params);

  // GET `path` with "Authorization: Bearer <access_token>".
  http::Response GetResource(const std::string& path, const std::string& access_token);

  // The authorisation request, the login page and the login as `person`: the code handed back.
  std::string AuthorizeAs(const std::string& person, const std::string& scope,
                          const std::optional<std::string>& nonce = std::nullopt);
  // The token endpoint's JSON for `code`, which must be 200.
  nlohmann::json ExchangeCode(const std::string& code, const std::string& scope);
  // The whole flow: an access token for `person` with `scope`.
  std::string AccessTokenFor(const std::string& person, const std::string& scope);

  const testing::PrivateEsia& esia() const { return esia_; }

 private:
  http::Response Send(http::Request request);

  const testing::PrivateEsia& esia_;
  http::Client http_;
};

// application/x-www-form-urlencoded `params`.
std::string FormEncode(const RequestParams& params);
// The query parameters of a URL (a Location header).
RequestParams QueryOf(const std::string& url);
// The hidden `request` field of a login page; "" when there is none.
std::string LoginRequestId(const std::string& page);
struct VerifiedJwt {
  nlohmann::json header;
  nlohmann::json claims;
};
// The header and claims of `jwt` when it is a compact JWT whose RS256 signature verifies with the
// public key of the PEM certificate at `certificate_path`; nullopt otherwise.
std::optional<VerifiedJwt> VerifyJwt(const std::string& jwt, const std::string& certificate_path);
// Like testing::SignDetachedCms, with no certificate inside the CMS when `include_certificate`
// is false and the content inside (not detached) when `detached` is false.
std::string SignCms(const std::string& key_path, const std::string& certificate_path,
                    const std::string& data, bool include_certificate, bool detached);

}  // namespace parta::esia_emulator
