#include "libs/realtime/publish.h"

#include "libs/realtime/channels.h"

namespace parta::realtime {

absl::Status Publish(redis::Pool& pool, const std::string& channel,
                     const events::v1::Envelope& envelope) {
  return pool.Command({"PUBLISH", channel, envelope.SerializeAsString()}).status();
}

absl::Status PublishSessionEnded(redis::Pool& pool, const std::string& user_id,
                                 const std::string& session_id, const std::string& reason) {
  events::v1::Envelope envelope;
  events::v1::SessionEnded& ended = *envelope.mutable_control()->mutable_session_ended();
  ended.set_session_id(session_id);
  ended.set_reason(reason);
  return Publish(pool, UserChannel(user_id), envelope);
}

}  // namespace parta::realtime
