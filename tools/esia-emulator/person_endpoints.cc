// The person's resources read with an access token: GET /rs/prns/{oid} (the person),
// /rs/prns/{oid}/ctts (contacts) and /rs/prns/{oid}/kids (children), each showing only what the
// token's scope allows.

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "tools/esia-emulator/provider.h"

namespace parta::esia_emulator {
namespace {

HttpResponse InvalidToken() {
  HttpResponse answer = JsonResponse(401, {{"error", "invalid_token"}});
  answer.headers.emplace_back("WWW-Authenticate", "Bearer error=\"invalid_token\"");
  return answer;
}

HttpResponse AccessDenied() { return JsonResponse(403, {{"error", "access_denied"}}); }

// The token of an "Authorization: Bearer <token>" header; "" when there is none.
std::string BearerToken(absl::string_view authorization) {
  authorization = absl::StripAsciiWhitespace(authorization);
  if (authorization.size() < 7 || !absl::EqualsIgnoreCase(authorization.substr(0, 7), "Bearer ")) {
    return "";
  }
  return std::string(absl::StripAsciiWhitespace(authorization.substr(7)));
}

nlohmann::ordered_json PersonJson(const Person& person, const ScopeSet& scopes) {
  nlohmann::ordered_json json;
  json["oid"] = person.oid;
  if (scopes.Has("fullname")) {
    json["firstName"] = person.first_name;
    json["lastName"] = person.last_name;
    json["middleName"] = person.middle_name;
  }
  if (scopes.Has("birthdate")) json["birthDate"] = person.birth_date;
  if (scopes.Has("gender")) json["gender"] = person.gender;
  json["trusted"] = person.trusted;
  if (scopes.Has("snils") && !person.snils.empty()) json["snils"] = person.snils;
  return json;
}

nlohmann::ordered_json ContactsJson(const Person& person, const ScopeSet& scopes) {
  nlohmann::ordered_json elements = nlohmann::ordered_json::array();
  const auto add = [&elements](absl::string_view type, const std::string& value) {
    nlohmann::ordered_json contact;
    contact["type"] = type;
    contact["vrfStu"] = "VERIFIED";
    contact["value"] = value;
    elements.push_back(std::move(contact));
  };
  if (scopes.Has("email") && !person.email.empty()) add("EML", person.email);
  if (scopes.Has("mobile") && !person.mobile.empty()) add("MBT", person.mobile);
  return {{"elements", std::move(elements)}};
}

nlohmann::ordered_json KidsJson(const Person& person, const ScopeSet& scopes) {
  nlohmann::ordered_json elements = nlohmann::ordered_json::array();
  for (const Kid& kid : person.kids) {
    nlohmann::ordered_json json;
    json["oid"] = kid.oid;
    json["firstName"] = kid.first_name;
    json["lastName"] = kid.last_name;
    if (!kid.middle_name.empty()) json["middleName"] = kid.middle_name;
    if (scopes.Has("kid_birthdate")) json["birthDate"] = kid.birth_date;
    if (scopes.Has("kid_gender")) json["gender"] = kid.gender;
    elements.push_back(std::move(json));
  }
  return {{"elements", std::move(elements)}};
}

}  // namespace

HttpResponse Provider::ReadPerson(const HttpRequest& request, absl::string_view rest) {
  const std::vector<absl::string_view> segments = absl::StrSplit(rest, '/');
  const bool person_only = segments.size() == 1;
  const bool sub_resource =
      segments.size() == 2 && (segments[1] == "ctts" || segments[1] == "kids");
  if (segments[0].empty() || !(person_only || sub_resource)) {
    return JsonResponse(404, {{"error", "not_found"}, {"error_description", "no such resource"}});
  }

  const std::optional<AccessGrant> grant =
      grants_.FindAccessToken(BearerToken(request.authorization));
  if (!grant) return InvalidToken();
  if (segments[0] != std::to_string(grant->oid)) return AccessDenied();
  const Person* person = FindPersonByOid(grant->oid);
  const absl::StatusOr<ScopeSet> scopes = ScopeSet::Parse(grant->scope);
  if (person == nullptr || !scopes.ok()) return InvalidToken();

  if (person_only) return JsonResponse(200, PersonJson(*person, *scopes));
  if (segments[1] == "ctts") return JsonResponse(200, ContactsJson(*person, *scopes));
  if (!scopes->Has("kid_fullname")) return AccessDenied();
  return JsonResponse(200, KidsJson(*person, *scopes));
}

}  // namespace parta::esia_emulator
