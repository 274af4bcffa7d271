#pragma once

// `parta-identity create-operator LOGIN`: the way to make the first platform operator.

#include <istream>
#include <string>

#include "absl/status/status.h"
#include "services/identity/identity_app.h"

namespace parta::identity {

// Grants the operator flag to the account with `login`; when there is none, creates it with
// the password read as the first line of `password_input` and the display name "Operator".
absl::Status CreateOperator(const IdentityConfig& config, const std::string& login,
                            std::istream& password_input);

}  // namespace parta::identity
