// The authorisation endpoint (GET /aas/oauth2/v2/ac) and the login page's form
// (POST /aas/oauth2/v2/ac/login).

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "tools/esia-emulator/encoding.h"
#include "tools/esia-emulator/pages.h"
#include "tools/esia-emulator/provider.h"

namespace parta::esia_emulator {
namespace {

// The value of `name`, or "" when absent.
std::string ValueOf(const Params& params, const std::string& name) {
  const auto found = params.find(name);
  return found == params.end() ? "" : found->second;
}

HttpResponse BadRequestPage(absl::string_view error, absl::string_view message) {
  return HtmlResponse(400, ErrorPage(absl::StrCat("Ошибка запроса: ", error), message));
}

}  // namespace

HttpResponse Provider::Authorize(absl::string_view query) {
  const absl::StatusOr<Params> parsed = ParseForm(query);
  if (!parsed.ok()) return BadRequestPage("invalid_request", parsed.status().message());
  const Params& params = *parsed;

  // Only a known client's registered URI may receive the person's browser, errors included.
  const std::string client_id = ValueOf(params, "client_id");
  const std::string redirect_uri = ValueOf(params, "redirect_uri");
  if (client_id != config_.client_id) {
    return BadRequestPage("invalid_client", "client_id is missing or not registered");
  }
  if (!IsRegisteredRedirectUri(redirect_uri)) {
    return BadRequestPage("invalid_request",
                          "redirect_uri is missing or not registered for this client");
  }

  const std::string state = ValueOf(params, "state");
  const auto fail = [&](absl::string_view error, absl::string_view description) {
    return RedirectResponse(AppendQuery(
        redirect_uri, {{"error", error}, {"error_description", description}, {"state", state}}));
  };

  const std::string response_type = ValueOf(params, "response_type");
  if (response_type.empty()) return fail("invalid_request", "response_type is missing");
  if (response_type != "code") {
    return fail("unsupported_response_type", "response_type must be code");
  }
  for (const char* required :
       {"client_secret", "scope", "state", "timestamp", "access_type", "client_certificate_hash"}) {
    if (ValueOf(params, required).empty()) {
      return fail("invalid_request", absl::StrCat(required, " is missing"));
    }
  }
  const std::string scope = ValueOf(params, "scope");
  const absl::StatusOr<ScopeSet> scopes = ScopeSet::Parse(scope);
  if (!scopes.ok()) return fail("invalid_scope", scopes.status().message());
  if (!IsUuidText(state)) return fail("invalid_request", "state must be a UUID");
  const std::string timestamp = ValueOf(params, "timestamp");
  if (const absl::Status fresh = CheckTimestamp(timestamp); !fresh.ok()) {
    return fail("invalid_request", fresh.message());
  }
  const std::string access_type = ValueOf(params, "access_type");
  if (access_type != "online" && access_type != "offline") {
    return fail("invalid_request", "access_type must be online or offline");
  }
  if (ValueOf(params, "client_certificate_hash") != certificate_.hash()) {
    return fail("unauthorized_client",
                "client_certificate_hash does not match the registered certificate");
  }
  if (const absl::Status signed_by_client =
          certificate_.Verify(absl::StrCat(client_id, scope, timestamp, state, redirect_uri),
                              ValueOf(params, "client_secret"));
      !signed_by_client.ok()) {
    return fail("unauthorized_client", signed_by_client.message());
  }

  PendingAuthorization pending{.client_id = client_id,
                               .redirect_uri = redirect_uri,
                               .scope = scopes->ToString(),
                               .state = state,
                               .nonce = std::nullopt};
  if (const std::string nonce = ValueOf(params, "nonce"); !nonce.empty()) pending.nonce = nonce;
  const absl::StatusOr<std::string> request_id = grants_.AddPending(std::move(pending));
  if (!request_id.ok()) {
    return HtmlResponse(503, ErrorPage("Сервис перегружен", request_id.status().message()));
  }
  return HtmlResponse(200, LoginPage(*request_id, client_id, TestPersons()));
}

HttpResponse Provider::Login(absl::string_view body) {
  const absl::StatusOr<Params> parsed = ParseForm(body);
  if (!parsed.ok()) return BadRequestPage("invalid_request", parsed.status().message());
  // The person first: a mistyped login must not use up the request.
  const Person* person = FindPersonByLogin(ValueOf(*parsed, "person"));
  if (person == nullptr) return BadRequestPage("unknown_person", "no such test person");
  std::optional<PendingAuthorization> pending = grants_.TakePending(ValueOf(*parsed, "request"));
  if (!pending) {
    return BadRequestPage("unknown_request",
                          "the login request is unknown, already used or expired; start again");
  }
  const std::string redirect_uri = pending->redirect_uri;
  const std::string state = pending->state;
  const absl::StatusOr<std::string> code = grants_.AddCode(
      {.request = *std::move(pending), .oid = person->oid, .auth_time = clock_.Now()});
  if (!code.ok()) {
    return HtmlResponse(503, ErrorPage("Сервис перегружен", code.status().message()));
  }
  return RedirectResponse(AppendQuery(redirect_uri, {{"code", *code}, {"state", state}}));
}

}  // namespace parta::esia_emulator
