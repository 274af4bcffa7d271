#include "services/messaging/realtime/outbox_publisher.h"

#include "absl/strings/match.h"
#include "libs/core/log.h"
#include "libs/realtime/channels.h"
#include "libs/realtime/publish.h"
#include "services/messaging/chats/chat_log.h"

namespace parta::messaging {

absl::Status PublishOutboxEvent(redis::Pool& redis, const Event& event) {
  events::v1::Envelope envelope;
  std::string channel;
  if (std::string chat_id = ChatOfStream(event.stream); !chat_id.empty()) {
    if (!envelope.mutable_event()->ParseFromString(event.payload)) envelope.clear_event();
    channel = realtime::ChatChannel(chat_id);
  } else if (absl::StartsWith(event.stream, "user/")) {
    if (!envelope.ParseFromString(event.payload)) envelope.Clear();
    channel = realtime::UserChannel(event.stream.substr(5));
  }
  if (channel.empty() || envelope.body_case() == events::v1::Envelope::BODY_NOT_SET) {
    log::Error("an outbox event of no known shape is skipped")
        .With("stream", event.stream)
        .With("sequence", event.sequence);
    return absl::OkStatus();
  }
  return realtime::Publish(redis, channel, envelope);
}

}  // namespace parta::messaging
