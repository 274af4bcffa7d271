#pragma once

// The identity service's command line: `create-operator LOGIN` makes the first platform
// operator; `create-service-client NAME` registers a Parta service's own API client.

#include <istream>
#include <string>

#include "absl/status/status.h"
#include "services/identity/identity_app.h"

namespace parta::identity {

// Grants the operator flag to the account with `login`; when there is none, creates it with
// the password read as the first line of `password_input` and the display name "Operator".
absl::Status CreateOperator(const IdentityConfig& config, const std::string& login,
                            std::istream& password_input);

// Registers the API client of Parta's service `name` ("directory"), with the scopes it needs
// (domain/service_scopes.h), and writes
// "<client id> <client secret>" to `out`.
absl::Status CreateServiceClient(const IdentityConfig& config, const std::string& name,
                                 std::ostream& out);

}  // namespace parta::identity
