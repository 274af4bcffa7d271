#include "tools/esia-emulator/provider.h"

#include <algorithm>
#include <exception>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "libs/core/status.h"
#include "tools/esia-emulator/encoding.h"
#include "tools/esia-emulator/timestamp.h"

namespace parta::esia_emulator {

Provider::Provider(ProviderConfig config, ClientCertificate certificate, IdTokenSigner signer,
                   const Clock& clock)
    : config_(std::move(config)),
      certificate_(std::move(certificate)),
      signer_(std::move(signer)),
      clock_(clock),
      grants_(clock, config_.limits) {}

HttpResponse Provider::Handle(const HttpRequest& request) {
  try {
    return Route(request);
  } catch (const std::exception& error) {
    return JsonResponse(500, {{"error", "server_error"}, {"error_description", error.what()}});
  }
}

HttpResponse Provider::Route(const HttpRequest& request) {
  const Target target = SplitTarget(request.target);
  const bool get = request.method == "GET";
  const bool post = request.method == "POST";
  if (get && target.path == "/healthz") return TextResponse(200, "ok");
  if (get && target.path == "/aas/oauth2/v2/ac") return Authorize(target.query);
  if (post && target.path == "/aas/oauth2/v2/ac/login") return Login(request.body);
  if (post && target.path == "/aas/oauth2/v3/te") return ExchangeCode(request.body);
  absl::string_view rest = target.path;
  if (get && absl::ConsumePrefix(&rest, "/rs/prns/")) return ReadPerson(request, rest);
  return JsonResponse(404, {{"error", "not_found"},
                            {"error_description", absl::StrCat("no such endpoint: ", request.method,
                                                               " ", target.path)}});
}

absl::Status Provider::CheckTimestamp(absl::string_view timestamp) const {
  ASSIGN_OR_RETURN(const absl::Time sent, ParseEsiaTimestamp(timestamp));
  if (absl::AbsDuration(clock_.Now() - sent) > config_.timestamp_tolerance) {
    return InvalidArgument(
        "STALE_TIMESTAMP",
        absl::StrCat("timestamp is more than ", absl::FormatDuration(config_.timestamp_tolerance),
                     " away from the provider's clock"));
  }
  return absl::OkStatus();
}

bool Provider::IsRegisteredRedirectUri(absl::string_view uri) const {
  return std::find(config_.redirect_uris.begin(), config_.redirect_uris.end(), uri) !=
         config_.redirect_uris.end();
}

}  // namespace parta::esia_emulator
