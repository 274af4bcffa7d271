#pragma once

// What the outbox relay publishes where: a chat's change ("chat/<id>") as an event on the
// chat's channel `parta:chat:<id>`, an envelope for a user's gateways ("user/<id>") on his
// channel `parta:user:<id>`. The relay publishes each stream in sequence order, at least once.

#include "absl/status/status.h"
#include "libs/core/event.h"
#include "libs/redis/client.h"

namespace parta::messaging {

absl::Status PublishOutboxEvent(redis::Pool& redis, const Event& event);

}  // namespace parta::messaging
