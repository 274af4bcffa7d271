#pragma once

// CORS for the origins listed in PARTA_CORS_ORIGINS ("*" for any): other origins get no CORS
// headers at all, so browsers keep them out. Shared by the REST routes and the file transfers,
// which allow and expose more headers (tus, Range).

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "services/gateway/http/http_message.h"

namespace parta::gateway {

class CorsPolicy {
 public:
  explicit CorsPolicy(std::vector<std::string> origins) : origins_(std::move(origins)) {}

  bool Allows(absl::string_view origin) const;

  // For an allowed origin: Access-Control-Allow-Origin, Vary and Access-Control-Expose-Headers
  // (`x-request-id, Retry-After`, then `more_exposed` when not empty).
  void Decorate(absl::string_view origin, HttpResponse& response,
                absl::string_view more_exposed = "") const;

  // A preflight's answer headers for an allowed origin.
  void DecoratePreflight(absl::string_view origin, absl::string_view methods,
                         absl::string_view headers, HttpResponse& response) const;

 private:
  std::vector<std::string> origins_;
};

}  // namespace parta::gateway
