#pragma once

// The JSON frames of the WebSocket `/v1/events`, server → client:
//   {"type":"ready","userId":…,"channels":N,"unavailable":[backends]}  subscriptions confirmed
//   {"type":"resync"}           the gateway reconnected to Redis: events may have been missed
//   {"type":"event","channel":…,"event":{parta.events.v1.Event as proto3 JSON}}
//   {"type":"authenticated","expiresAt":…}  an in-band token was accepted
//   {"type":"pong"}             answer to {"type":"ping"}
//   {"type":"done","id":…}      a client frame with an id was handled
//   {"type":"error","reason":…,"message":…,"id":…}
// and client → server:
//   {"type":"auth","token":…}   first frame when no token came with the upgrade; later to renew
//   {"type":"ping"}
//   {"type":"typing","chatId":…,"id":…}      forwarded to ClientSignalService.SendTyping
//   {"type":"ack","stream":…,"sequence":…,"id":…}
//                                            forwarded to ClientSignalService.Acknowledge

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "parta/events/v1/events.pb.h"

namespace parta::gateway {

std::string ReadyFrame(absl::string_view user_id, size_t channels,
                       const std::vector<std::string>& unavailable);
std::string ResyncFrame();
// "" when the event cannot be written as JSON.
std::string EventFrame(absl::string_view channel, const events::v1::Event& event);
std::string AuthenticatedFrame(absl::Time expires_at);
std::string PongFrame();
std::string DoneFrame(absl::string_view id);
std::string ErrorFrame(const absl::Status& status, absl::string_view id);

}  // namespace parta::gateway
