#include "services/identity/esia/esia_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "libs/core/log.h"
#include "libs/core/random.h"
#include "libs/core/status.h"
#include "libs/http/encoding.h"
#include "libs/text/json_nesting.h"
#include "libs/text/utf8.h"

namespace parta::identity::esia {
namespace {

using nlohmann::json;

constexpr char kHttpReasons[] = "ESIA";

absl::Status BadResponse(absl::string_view what) {
  return Unavailable("ESIA_BAD_RESPONSE", absl::StrCat("ESIA answered ", what));
}

// The JSON object of an answer, or ESIA_BAD_RESPONSE.
absl::StatusOr<json> JsonOf(const http::Response& response, absl::string_view what) {
  if (!text::JsonNestingWithin(response.body)) {
    return BadResponse(absl::StrCat(what, " with JSON nested too deep"));
  }
  json parsed = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) return BadResponse(absl::StrCat(what, " with something not JSON"));
  return parsed;
}

std::string StringField(const json& object, const char* name) {
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

bool HasScope(absl::string_view scopes, absl::string_view scope) {
  for (absl::string_view item : absl::StrSplit(scopes, ' ', absl::SkipEmpty())) {
    if (item == scope) return true;
  }
  return false;
}

// A name part as the provider gives it: UTF-8, at most 100 bytes, no control characters.
bool PlainName(absl::string_view name) {
  if (name.size() > 100 || text::Utf8Length(name) < 0) return false;
  for (char c : name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  }
  return true;
}

// The provider's "dd.MM.yyyy" as "YYYY-MM-DD"; nullopt when it is not a date.
std::optional<std::string> IsoDate(absl::string_view text) {
  absl::CivilDay day;
  std::string error;
  absl::Time parsed;
  if (!absl::ParseTime("%d.%m.%Y", text, absl::UTCTimeZone(), &parsed, &error)) {
    return std::nullopt;
  }
  day = absl::ToCivilDay(parsed, absl::UTCTimeZone());
  if (day.year() < 1900) return std::nullopt;
  return absl::FormatCivilTime(day);
}

}  // namespace

std::string EsiaTimestamp(absl::Time at) {
  return absl::FormatTime("%Y.%m.%d %H:%M:%S +0000", at, absl::UTCTimeZone());
}

absl::StatusOr<std::unique_ptr<EsiaClient>> EsiaClient::Open(const EsiaSettings& settings) {
  ASSIGN_OR_RETURN(http::Url url, http::Url::Parse(settings.base_url, kHttpReasons,
                                                   http::Url::Schemes::kHttpOrHttps));
  if (!url.tls) {
    // Plain HTTP carries the code, the tokens and personal data in the clear: only to a provider
    // on this machine (the emulator) unless the deployment says otherwise.
    in_addr address{};
    const bool loopback =
        url.host == "localhost" || (::inet_pton(AF_INET, url.host.c_str(), &address) == 1 &&
                                    (ntohl(address.s_addr) >> 24) == 127);
    if (!loopback && !settings.allow_plain_http) {
      return InvalidArgument(
          "ESIA_BAD_URL",
          absl::StrCat("ESIA at ", url.host,
                       " over plain http: use https://, or for a provider on a private network "
                       "set PARTA_ESIA_ALLOW_PLAIN_HTTP=true"));
    }
    // Trusted CAs for a provider over plain HTTP would check nothing: the settings disagree.
    if (!settings.ca_file.empty()) {
      return InvalidArgument("ESIA_BAD_URL",
                             absl::StrCat("ESIA at ", url.host,
                                          " over plain http with PARTA_ESIA_CA_FILE set: the "
                                          "CAs are for https:// only"));
    }
  }
  // No kept-alive connections: a request that died on a stale one would be sent again, and the
  // code exchange must never be (the provider spends the code on the first).
  ASSIGN_OR_RETURN(
      std::unique_ptr<http::Client> http,
      http::Client::Create(url.host, url.port,
                           {.max_connections = 16,
                            .max_idle_connections = 0,
                            // tokens and a person's data
                            .max_response_bytes = size_t{1} << 20,
                            .reasons = kHttpReasons,
                            .tls = {.enabled = url.tls, .ca_file = settings.ca_file}}));
  ASSIGN_OR_RETURN(std::unique_ptr<RequestSigner> signer,
                   RequestSigner::FromFiles(settings.key_file, settings.certificate_file));
  ASSIGN_OR_RETURN(std::unique_ptr<IdTokenVerifier> verifier,
                   IdTokenVerifier::FromCertificateFile(settings.provider_certificate_file));
  return std::unique_ptr<EsiaClient>(new EsiaClient(settings, std::move(url), std::move(signer),
                                                    std::move(verifier), std::move(http)));
}

EsiaClient::EsiaClient(EsiaSettings settings, http::Url url, std::unique_ptr<RequestSigner> signer,
                       std::unique_ptr<IdTokenVerifier> verifier,
                       std::unique_ptr<http::Client> http)
    : settings_(std::move(settings)),
      url_(std::move(url)),
      signer_(std::move(signer)),
      verifier_(std::move(verifier)),
      http_(std::move(http)) {}

std::string EsiaClient::Target(absl::string_view path) const {
  return absl::StrCat(absl::StripSuffix(url_.path, "/"), path);
}

absl::StatusOr<std::string> EsiaClient::AuthorizationUrl(const std::string& state,
                                                         const std::string& nonce) {
  const std::string timestamp = EsiaTimestamp(absl::Now());
  ASSIGN_OR_RETURN(const std::string secret,
                   signer_->Sign(absl::StrCat(settings_.client_id, settings_.scope, timestamp,
                                              state, settings_.redirect_uri)));
  return absl::StrCat(absl::StripSuffix(settings_.base_url, "/"), "/aas/oauth2/v2/ac?",
                      http::FormEncode({{"client_id", settings_.client_id},
                                        {"client_secret", secret},
                                        {"redirect_uri", settings_.redirect_uri},
                                        {"scope", settings_.scope},
                                        {"response_type", "code"},
                                        {"state", state},
                                        {"timestamp", timestamp},
                                        {"access_type", "online"},
                                        {"nonce", nonce},
                                        {"client_certificate_hash", signer_->certificate_hash()}}));
}

absl::StatusOr<ProviderPerson> EsiaClient::Complete(const std::string& code,
                                                    const std::string& nonce) {
  // The exchange: a state of its own, signed together with the code.
  const std::string state = NewUuidV7(absl::Now());
  const std::string timestamp = EsiaTimestamp(absl::Now());
  ASSIGN_OR_RETURN(const std::string secret,
                   signer_->Sign(absl::StrCat(settings_.client_id, settings_.scope, timestamp,
                                              state, settings_.redirect_uri, code)));
  ASSIGN_OR_RETURN(
      const http::Response exchanged,
      http_->Send(
          {.method = "POST",
           .target = Target("/aas/oauth2/v3/te"),
           .headers = {{"Content-Type", "application/x-www-form-urlencoded"}},
           .body = http::FormEncode({{"client_id", settings_.client_id},
                                     {"code", code},
                                     {"grant_type", "authorization_code"},
                                     {"client_secret", secret},
                                     {"state", state},
                                     {"redirect_uri", settings_.redirect_uri},
                                     {"scope", settings_.scope},
                                     {"timestamp", timestamp},
                                     {"token_type", "Bearer"},
                                     {"client_certificate_hash", signer_->certificate_hash()}})},
          settings_.timeout));
  ASSIGN_OR_RETURN(const json tokens, JsonOf(exchanged, "the code exchange"));
  if (exchanged.status != 200) {
    const std::string error = StringField(tokens, "error");
    if (exchanged.status == 400 && error == "invalid_grant") {
      return Unauthenticated("ESIA_CODE_REJECTED",
                             "ESIA refused the code (unknown, used or expired): sign in again");
    }
    return BadResponse(absl::StrCat("the code exchange with HTTP ", exchanged.status, " ", error,
                                    ": ", StringField(tokens, "error_description")));
  }
  if (StringField(tokens, "state") != state) return BadResponse("another exchange's state");
  const std::string access_token = StringField(tokens, "access_token");
  if (access_token.empty()) return BadResponse("the code exchange without an access token");
  ASSIGN_OR_RETURN(const IdTokenClaims claims, verifier_->Verify(StringField(tokens, "id_token"),
                                                                 {.issuer = settings_.issuer,
                                                                  .audience = settings_.client_id,
                                                                  .nonce = nonce,
                                                                  .now = absl::Now(),
                                                                  .skew = settings_.clock_skew}));

  ASSIGN_OR_RETURN(const http::Response answered,
                   http_->Send({.method = "GET",
                                .target = Target(absl::StrCat("/rs/prns/", claims.oid)),
                                .headers = {{"Authorization", "Bearer " + access_token},
                                            {"Accept", "application/json"}}},
                               settings_.timeout));
  if (answered.status != 200) {
    return BadResponse(absl::StrCat("the person's data with HTTP ", answered.status));
  }
  ASSIGN_OR_RETURN(const json data, JsonOf(answered, "the person's data"));
  ProviderPerson person{.oid = claims.oid,
                        .trusted = claims.trusted,
                        .first_name = StringField(data, "firstName"),
                        .last_name = StringField(data, "lastName"),
                        .middle_name = StringField(data, "middleName"),
                        .snils = StringField(data, "snils")};
  // The person's own record is the fresher word on whether his account is confirmed.
  if (auto trusted = data.find("trusted"); trusted != data.end() && trusted->is_boolean()) {
    person.trusted = trusted->get<bool>();
  }
  // The children are a side dish: the sign-in does not fail for them (the code is spent by now);
  // without an answer the list kept from before stays.
  person.children.emplace();
  if (HasScope(settings_.scope, "kid_fullname") && HasScope(settings_.scope, "kid_birthdate")) {
    absl::StatusOr<std::vector<ProviderChild>> children = ReadChildren(claims.oid, access_token);
    if (children.ok()) {
      person.children = *std::move(children);
    } else {
      log::Warning("ESIA did not list the person's children; the list kept stays")
          .With("reason", ReasonOf(children.status()));
      person.children.reset();
    }
  }
  return person;
}

absl::StatusOr<std::vector<ProviderChild>> EsiaClient::ReadChildren(
    const std::string& oid, const std::string& access_token) {
  ASSIGN_OR_RETURN(
      const http::Response answered,
      http_->Send({.method = "GET",
                   .target = Target(absl::StrCat("/rs/prns/", oid, "/kids?embed=(elements)")),
                   .headers = {{"Authorization", "Bearer " + access_token},
                               {"Accept", "application/json"}}},
                  settings_.timeout));
  if (answered.status != 200) {
    return BadResponse(absl::StrCat("the person's children with HTTP ", answered.status));
  }
  ASSIGN_OR_RETURN(const json data, JsonOf(answered, "the person's children"));
  auto elements = data.find("elements");
  if (elements == data.end() || !elements->is_array()) {
    return BadResponse("the person's children without a list");
  }
  std::vector<ProviderChild> children;
  for (const json& element : *elements) {
    if (!element.is_object()) return BadResponse("the person's children with a child not JSON");
    ProviderChild child{.first_name = StringField(element, "firstName"),
                        .last_name = StringField(element, "lastName"),
                        .middle_name = StringField(element, "middleName")};
    if (auto id = element.find("oid"); id != element.end() && id->is_number_integer()) {
      child.oid = std::to_string(id->get<int64_t>());
    } else {
      child.oid = StringField(element, "oid");
    }
    std::optional<std::string> birth_date = IsoDate(StringField(element, "birthDate"));
    // A child who cannot be matched to a pupil (no id, name or birth date) is left out.
    if (child.oid.empty() || child.oid.size() > 64 || !PlainName(child.first_name) ||
        !PlainName(child.last_name) || !PlainName(child.middle_name) ||
        child.first_name.empty() || child.last_name.empty() || !birth_date) {
      log::Warning("ESIA listed a child without a usable id, name or birth date; left out");
      continue;
    }
    child.birth_date = *std::move(birth_date);
    children.push_back(std::move(child));
  }
  return children;
}

}  // namespace parta::identity::esia
