// The token endpoint (POST /aas/oauth2/v3/te): an authorisation code for an access token and an
// ID token.

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "tools/esia-emulator/encoding.h"
#include "tools/esia-emulator/provider.h"
#include "tools/esia-emulator/random_id.h"

namespace parta::esia_emulator {
namespace {

std::string ValueOf(const Params& params, const std::string& name) {
  const auto found = params.find(name);
  return found == params.end() ? "" : found->second;
}

HttpResponse TokenError(absl::string_view error, absl::string_view description) {
  return JsonResponse(400, {{"error", error}, {"error_description", description}});
}

}  // namespace

HttpResponse Provider::ExchangeCode(absl::string_view body) {
  const absl::StatusOr<Params> parsed = ParseForm(body);
  if (!parsed.ok()) return TokenError("invalid_request", parsed.status().message());
  const Params& params = *parsed;
  for (const char* required :
       {"client_id", "code", "grant_type", "client_secret", "state", "redirect_uri", "scope",
        "timestamp", "token_type", "client_certificate_hash"}) {
    if (ValueOf(params, required).empty()) {
      return TokenError("invalid_request", absl::StrCat(required, " is missing"));
    }
  }
  if (ValueOf(params, "grant_type") != "authorization_code") {
    return TokenError("invalid_request", "grant_type must be authorization_code");
  }
  if (ValueOf(params, "token_type") != "Bearer") {
    return TokenError("invalid_request", "token_type must be Bearer");
  }
  const std::string client_id = ValueOf(params, "client_id");
  if (client_id != config_.client_id) return TokenError("invalid_client", "unknown client_id");
  const std::string state = ValueOf(params, "state");
  if (!IsUuidText(state)) return TokenError("invalid_request", "state must be a UUID");
  const std::string timestamp = ValueOf(params, "timestamp");
  if (const absl::Status fresh = CheckTimestamp(timestamp); !fresh.ok()) {
    return TokenError("invalid_request", fresh.message());
  }
  if (ValueOf(params, "client_certificate_hash") != certificate_.hash()) {
    return TokenError("invalid_client",
                      "client_certificate_hash does not match the registered certificate");
  }
  const std::string redirect_uri = ValueOf(params, "redirect_uri");
  const std::string code_text = ValueOf(params, "code");
  if (const absl::Status signed_by_client =
          certificate_.Verify(absl::StrCat(client_id, ValueOf(params, "scope"), timestamp, state,
                                           redirect_uri, code_text),
                              ValueOf(params, "client_secret"));
      !signed_by_client.ok()) {
    return TokenError("invalid_client", signed_by_client.message());
  }

  // Signed by the client: the code is used up now, whatever follows.
  const std::optional<AuthorizationCode> code = grants_.TakeCode(code_text);
  if (!code) return TokenError("invalid_grant", "the code is unknown, already used or expired");
  if (code->request.client_id != client_id) {
    return TokenError("invalid_grant", "the code was issued to another client");
  }
  if (code->request.redirect_uri != redirect_uri) {
    return TokenError("invalid_grant", "redirect_uri differs from the authorisation request's");
  }
  const Person* person = FindPersonByOid(code->oid);
  if (person == nullptr) return TokenError("invalid_grant", "the code's person is gone");

  const absl::Time now = clock_.Now();
  const absl::StatusOr<std::string> id_token = IssueIdToken(*code, *person, now);
  if (!id_token.ok()) {
    return JsonResponse(
        500, {{"error", "server_error"}, {"error_description", id_token.status().message()}});
  }
  const absl::StatusOr<std::string> access_token =
      grants_.AddAccessToken({.oid = person->oid, .scope = code->request.scope});
  if (!access_token.ok()) {
    return JsonResponse(503, {{"error", "temporarily_unavailable"},
                              {"error_description", access_token.status().message()}});
  }
  nlohmann::ordered_json answer;
  answer["access_token"] = *access_token;
  answer["id_token"] = *id_token;
  answer["expires_in"] = absl::ToInt64Seconds(config_.limits.access_token_lifetime);
  answer["state"] = state;
  answer["token_type"] = "Bearer";
  // Handed out as ESIA does; this emulator does not accept refresh grants.
  answer["refresh_token"] = RandomId();
  return JsonResponse(200, answer);
}

absl::StatusOr<std::string> Provider::IssueIdToken(const AuthorizationCode& code,
                                                   const Person& person, absl::Time now) const {
  const int64_t issued_at = absl::ToUnixSeconds(now);
  nlohmann::ordered_json claims;
  claims["iss"] = config_.issuer;
  claims["aud"] = code.request.client_id;
  claims["sub"] = std::to_string(person.oid);
  claims["iat"] = issued_at;
  claims["nbf"] = issued_at;
  claims["exp"] = issued_at + absl::ToInt64Seconds(config_.id_token_lifetime);
  claims["auth_time"] = absl::ToUnixSeconds(code.auth_time);
  if (code.request.nonce) claims["nonce"] = *code.request.nonce;
  claims["amr"] = "PWD";
  claims["urn:esia:sid"] = RandomId(16);
  nlohmann::ordered_json subject;
  subject["urn:esia:sbj_typ"] = "P";
  subject["urn:esia:sbj_is_tru"] = person.trusted;
  subject["urn:esia:sbj_oid"] = person.oid;
  subject["urn:esia:sbj_nm"] = person.login;
  claims["urn:esia:sbj"] = subject;
  return signer_.Sign(
      claims.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
}

}  // namespace parta::esia_emulator
