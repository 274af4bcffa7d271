#include "services/identity/adapters/event_publisher.h"

#include "libs/auth/revoked_sessions.h"
#include "libs/core/log.h"
#include "libs/core/status.h"
#include "libs/realtime/publish.h"
#include "libs/redis/streams.h"
#include "parta/identity/v1/events.pb.h"

namespace parta::identity {

absl::Status EventPublisher::Publish(const Event& event) {
  if (event.type == v1::SessionRevoked::descriptor()->full_name()) {
    v1::SessionRevoked revoked;
    if (!revoked.ParseFromString(event.payload)) {
      return Internal("BAD_EVENT", "a SessionRevoked event does not parse");
    }
    RETURN_IF_ERROR(auth::MarkSessionRevoked(pool_, revoked.session_id(), revocation_ttl_));
    // Gateways close the session's open sockets at once. Best effort: a gateway that misses it
    // (Redis restarting) re-checks its sockets' sessions when it resubscribes.
    absl::Status told = realtime::PublishSessionEnded(pool_, revoked.account_id(),
                                                      revoked.session_id(), revoked.reason());
    if (!told.ok()) log::Warning("session end not published").With("error", told.ToString());
  }
  return redis::AppendEvent(pool_, stream_key_, event);
}

}  // namespace parta::identity
