#pragma once

// Publishing real-time envelopes on Redis pub/sub. Pub/sub keeps nothing: a publish is a
// wake-up, never the record (the owner's database is).

#include <string>

#include "absl/status/status.h"
#include "libs/redis/client.h"
#include "parta/events/v1/events.pb.h"

namespace parta::realtime {

absl::Status Publish(redis::Pool& pool, const std::string& channel,
                     const events::v1::Envelope& envelope);

// Tells every gateway to close the sockets of a session at once.
absl::Status PublishSessionEnded(redis::Pool& pool, const std::string& user_id,
                                 const std::string& session_id, const std::string& reason);

}  // namespace parta::realtime
