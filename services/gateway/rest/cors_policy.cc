#include "services/gateway/rest/cors_policy.h"

#include "absl/strings/str_cat.h"

namespace parta::gateway {

bool CorsPolicy::Allows(absl::string_view origin) const {
  if (origin.empty()) return false;
  for (const std::string& allowed : origins_) {
    if (allowed == "*" || allowed == origin) return true;
  }
  return false;
}

void CorsPolicy::Decorate(absl::string_view origin, HttpResponse& response,
                          absl::string_view more_exposed) const {
  if (!Allows(origin)) return;
  response.headers.emplace_back("Access-Control-Allow-Origin", std::string(origin));
  response.headers.emplace_back("Vary", "Origin");
  std::string exposed = "x-request-id, Retry-After";
  if (!more_exposed.empty()) absl::StrAppend(&exposed, ", ", more_exposed);
  response.headers.emplace_back("Access-Control-Expose-Headers", std::move(exposed));
}

void CorsPolicy::DecoratePreflight(absl::string_view origin, absl::string_view methods,
                                   absl::string_view headers, HttpResponse& response) const {
  if (!Allows(origin)) return;
  response.headers.emplace_back("Access-Control-Allow-Methods", std::string(methods));
  response.headers.emplace_back("Access-Control-Allow-Headers", std::string(headers));
  response.headers.emplace_back("Access-Control-Max-Age", "600");
}

}  // namespace parta::gateway
