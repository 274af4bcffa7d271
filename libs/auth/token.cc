#include "libs/auth/token.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "libs/core/random.h"
#include "libs/core/status.h"
#include "libs/text/json_nesting.h"

namespace parta::auth {
namespace {

using nlohmann::json;

absl::Status Rejected(absl::string_view reason, absl::string_view message) {
  return Unauthenticated(reason, message);
}

std::optional<json> ParseSegment(absl::string_view segment) {
  auto bytes = Base64UrlDecode(segment);
  if (!bytes || !parta::text::JsonNestingWithin(*bytes)) return std::nullopt;
  json parsed = json::parse(*bytes, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) return std::nullopt;
  return parsed;
}

std::optional<std::string> StringClaim(const json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<absl::Time> TimeClaim(const json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_number_integer()) return std::nullopt;
  return absl::FromUnixSeconds(it->get<int64_t>());
}

}  // namespace

bool Claims::HasScope(absl::string_view scope) const {
  return std::find(scopes.begin(), scopes.end(), scope) != scopes.end();
}

bool Claims::CoversSchool(absl::string_view school_id, absl::string_view region_code) const {
  if (!LimitedToSchools()) return true;
  return std::find(school_ids.begin(), school_ids.end(), school_id) != school_ids.end() ||
         (!region_code.empty() &&
          std::find(region_codes.begin(), region_codes.end(), region_code) != region_codes.end());
}

std::string SignToken(const Ed25519PrivateKey& key, absl::string_view kid, const Claims& claims) {
  json header = {{"alg", "EdDSA"}, {"typ", "at+jwt"}, {"kid", kid}};
  json payload = {{"iss", claims.issuer},
                  {"aud", claims.audience},
                  {"sub", claims.subject},
                  {"jti", claims.token_id},
                  {"iat", absl::ToUnixSeconds(claims.issued_at)},
                  {"nbf", absl::ToUnixSeconds(claims.not_before)},
                  {"exp", absl::ToUnixSeconds(claims.expires_at)}};
  if (!claims.session_id.empty()) payload["sid"] = claims.session_id;
  if (!claims.client_id.empty()) payload["client_id"] = claims.client_id;
  if (!claims.client_name.empty()) payload["client_name"] = claims.client_name;
  if (claims.is_operator) payload["op"] = true;
  if (!claims.scopes.empty()) payload["scope"] = absl::StrJoin(claims.scopes, " ");
  if (!claims.certificate_thumbprint.empty()) {
    payload["cnf"] = {{"x5t#S256", claims.certificate_thumbprint}};
  }
  if (!claims.school_ids.empty()) payload["schools"] = claims.school_ids;
  if (!claims.region_codes.empty()) payload["regions"] = claims.region_codes;
  std::string signing_input =
      absl::StrCat(Base64UrlEncode(header.dump()), ".", Base64UrlEncode(payload.dump()));
  return absl::StrCat(signing_input, ".", Base64UrlEncode(key.Sign(signing_input)));
}

absl::StatusOr<std::string> PeekKeyId(absl::string_view token) {
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3) return Rejected("MALFORMED_TOKEN", "a token has three parts");
  auto header = ParseSegment(parts[0]);
  if (!header) return Rejected("MALFORMED_TOKEN", "the token header is not valid JSON");
  auto kid = StringClaim(*header, "kid");
  if (!kid || kid->empty()) return Rejected("MISSING_CLAIM", "the token has no key id");
  return *kid;
}

absl::StatusOr<Claims> VerifyToken(absl::string_view token, const KeySet& keys,
                                   const VerifyOptions& options, absl::Time now) {
  if (token.size() > 8192) return Rejected("MALFORMED_TOKEN", "the token is too long");
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3) return Rejected("MALFORMED_TOKEN", "a token has three parts");
  auto header = ParseSegment(parts[0]);
  if (!header) return Rejected("MALFORMED_TOKEN", "the token header is not valid JSON");
  if (StringClaim(*header, "alg") != "EdDSA") {
    return Rejected("UNSUPPORTED_ALGORITHM", "only EdDSA tokens are accepted");
  }
  if (StringClaim(*header, "typ") != "at+jwt") {
    return Rejected("MALFORMED_TOKEN", "the token is not an access token");
  }
  if (header->contains("crit")) {
    return Rejected("MALFORMED_TOKEN", "critical header parameters are not supported");
  }
  auto kid = StringClaim(*header, "kid");
  if (!kid) return Rejected("MISSING_CLAIM", "the token has no key id");
  auto key = keys.find(*kid);
  if (key == keys.end()) return Rejected("UNKNOWN_KEY", "the token's signing key is unknown");
  auto signature = Base64UrlDecode(parts[2]);
  size_t signed_length = parts[0].size() + 1 + parts[1].size();
  if (!signature || !key->second.Verify(token.substr(0, signed_length), *signature)) {
    return Rejected("BAD_SIGNATURE", "the token's signature does not verify");
  }

  auto payload = ParseSegment(parts[1]);
  if (!payload) return Rejected("MALFORMED_TOKEN", "the token payload is not valid JSON");
  Claims claims;
  auto iss = StringClaim(*payload, "iss");
  auto sub = StringClaim(*payload, "sub");
  auto jti = StringClaim(*payload, "jti");
  auto iat = TimeClaim(*payload, "iat");
  auto nbf = TimeClaim(*payload, "nbf");
  auto exp = TimeClaim(*payload, "exp");
  if (!iss || !sub || sub->empty() || !jti || jti->empty() || !iat || !nbf || !exp) {
    return Rejected("MISSING_CLAIM", "the token lacks a required claim");
  }
  if (*iss != options.issuer) return Rejected("WRONG_ISSUER", "the token has another issuer");
  auto aud = payload->find("aud");
  bool audience_ok = false;
  if (aud != payload->end() && aud->is_string()) {
    audience_ok = aud->get<std::string>() == options.audience;
  } else if (aud != payload->end() && aud->is_array()) {
    for (const json& entry : *aud) {
      audience_ok = audience_ok || (entry.is_string() && entry == options.audience);
    }
  }
  if (!audience_ok) return Rejected("WRONG_AUDIENCE", "the token is meant for another audience");
  if (now >= *exp + options.leeway) return Rejected("TOKEN_EXPIRED", "the token has expired");
  if (now + options.leeway < *nbf || now + options.leeway < *iat) {
    return Rejected("TOKEN_NOT_YET_VALID", "the token is not valid yet");
  }
  claims.issuer = *iss;
  claims.audience = options.audience;
  claims.subject = *sub;
  claims.token_id = *jti;
  claims.issued_at = *iat;
  claims.not_before = *nbf;
  claims.expires_at = *exp;
  claims.session_id = StringClaim(*payload, "sid").value_or("");
  claims.client_id = StringClaim(*payload, "client_id").value_or("");
  claims.client_name = StringClaim(*payload, "client_name").value_or("");
  if (claims.session_id.empty() == claims.client_id.empty()) {
    return Rejected("MISSING_CLAIM", "a token names either a session or a client");
  }
  auto op = payload->find("op");
  claims.is_operator = op != payload->end() && op->is_boolean() && op->get<bool>();
  if (auto scope = StringClaim(*payload, "scope")) {
    claims.scopes = absl::StrSplit(*scope, ' ', absl::SkipEmpty());
  }
  if (auto cnf = payload->find("cnf"); cnf != payload->end()) {
    // A confirmation this verifier cannot check must not be read as no confirmation at all.
    auto thumbprint =
        cnf->is_object() && cnf->size() == 1 ? StringClaim(*cnf, "x5t#S256") : std::nullopt;
    if (!thumbprint || thumbprint->empty()) {
      return Rejected("MALFORMED_TOKEN", "the token's confirmation is not a certificate thumbprint");
    }
    claims.certificate_thumbprint = *thumbprint;
  }
  // A limit that cannot be read must not be read as no limit.
  for (auto [name, list] : {std::pair{"schools", &claims.school_ids},
                            std::pair{"regions", &claims.region_codes}}) {
    auto it = payload->find(name);
    if (it == payload->end()) continue;
    if (!it->is_array() || it->empty()) {
      return Rejected("MALFORMED_TOKEN", absl::StrCat("the token's ", name, " is not a list"));
    }
    for (const json& entry : *it) {
      if (!entry.is_string() || entry.get_ref<const std::string&>().empty()) {
        return Rejected("MALFORMED_TOKEN", absl::StrCat("the token's ", name, " is not a list"));
      }
      list->push_back(entry.get<std::string>());
    }
  }
  return claims;
}

std::string KeySetToJwks(const KeySet& keys) {
  json list = json::array();
  for (const auto& [kid, key] : keys) {
    list.push_back({{"kty", "OKP"},
                    {"crv", "Ed25519"},
                    {"alg", "EdDSA"},
                    {"use", "sig"},
                    {"kid", kid},
                    {"x", Base64UrlEncode(key.Raw())}});
  }
  return json{{"keys", list}}.dump();
}

absl::StatusOr<KeySet> KeySetFromJwks(absl::string_view text) {
  if (!parta::text::JsonNestingWithin(text)) {
    return InvalidArgument("INVALID_JWKS", "the key set nests too deeply");
  }
  json document = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded() || !document.is_object() || !document.contains("keys") ||
      !document["keys"].is_array()) {
    return InvalidArgument("INVALID_JWKS", "not a JSON Web Key Set");
  }
  KeySet keys;
  for (const json& entry : document["keys"]) {
    if (!entry.is_object()) return InvalidArgument("INVALID_JWKS", "a key is not an object");
    // Keys of other types are skipped, not trusted: only OKP/Ed25519 can verify our tokens.
    if (StringClaim(entry, "kty") != "OKP" || StringClaim(entry, "crv") != "Ed25519") continue;
    auto kid = StringClaim(entry, "kid");
    auto x = StringClaim(entry, "x");
    auto raw = x ? Base64UrlDecode(*x) : std::nullopt;
    if (!kid || kid->empty() || !raw) {
      return InvalidArgument("INVALID_JWKS", "an Ed25519 key lacks kid or x");
    }
    ASSIGN_OR_RETURN(Ed25519PublicKey key, Ed25519PublicKey::FromRaw(*raw));
    keys.emplace(*kid, std::move(key));
  }
  return keys;
}

}  // namespace parta::auth
