#include "libs/auth/revoked_sessions.h"

#include "absl/strings/str_cat.h"
#include "libs/core/status.h"

namespace parta::auth {

std::string RevokedSessionKey(absl::string_view session_id) {
  return absl::StrCat("parta:revoked-session:", session_id);
}

absl::Status MarkSessionRevoked(redis::Pool& pool, absl::string_view session_id,
                                absl::Duration ttl) {
  return pool
      .Command({"SET", RevokedSessionKey(session_id), "1", "EX",
                absl::StrCat(std::max<int64_t>(1, absl::ToInt64Seconds(ttl)))})
      .status();
}

absl::StatusOr<bool> RedisRevocationList::IsRevoked(absl::string_view session_id) {
  ASSIGN_OR_RETURN(redis::Value exists, pool_.Command({"EXISTS", RevokedSessionKey(session_id)}));
  return exists.integer > 0;
}

}  // namespace parta::auth
