#pragma once

// Short-lived TURN credentials in the "TURN REST API" scheme (draft-uberti-behave-turn-rest),
// which coturn checks with `use-auth-secret` / `static-auth-secret`: the username carries its
// own expiry, and the password is an HMAC of the username under the secret shared with the
// TURN server, so the server needs no user database and nothing to revoke.

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace parta::auth {

struct TurnCredentials {
  std::string username;  // "<expiry as Unix seconds>:<user id>"
  std::string password;  // base64(HMAC-SHA1(key = secret, message = username)), padded
};

// Credentials valid until `expiry` (coturn refuses a username whose time has passed) for
// `user_id`, which only labels the allocation in coturn's log: Parta passes its account ids.
TurnCredentials MakeTurnCredentials(absl::string_view secret, absl::string_view user_id,
                                    absl::Time expiry);

}  // namespace parta::auth
