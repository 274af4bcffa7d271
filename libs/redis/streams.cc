#include "libs/redis/streams.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/core/log.h"
#include "libs/core/status.h"

namespace parta::redis {
namespace {

constexpr int kCatchUpBatch = 500;

bool ParseEntry(const Value& entry, std::string& id, StreamEvent& event) {
  if (entry.elements.size() != 2) return false;
  id = entry.elements[0].text;
  const std::vector<Value>& fields = entry.elements[1].elements;
  for (size_t i = 0; i + 1 < fields.size(); i += 2) {
    const std::string& name = fields[i].text;
    const std::string& value = fields[i + 1].text;
    if (name == "stream") {
      event.stream = value;
    } else if (name == "sequence") {
      if (!absl::SimpleAtoi(value, &event.sequence)) return false;
    } else if (name == "type") {
      event.type = value;
    } else if (name == "payload") {
      event.payload = value;
    }
  }
  return !event.stream.empty() && event.sequence > 0;
}

}  // namespace

absl::Status AppendEvent(Pool& pool, const std::string& key, const StreamEvent& event,
                         int64_t max_length) {
  return pool
      .Command({"XADD", key, "MAXLEN", "~", absl::StrCat(max_length), "*", "stream", event.stream,
                "sequence", absl::StrCat(event.sequence), "type", event.type, "payload",
                event.payload})
      .status();
}

EventConsumer::EventConsumer(Pool& pool, std::string key, CatchUp catch_up, Handler handler)
    : pool_(pool),
      key_(std::move(key)),
      catch_up_(std::move(catch_up)),
      handler_(std::move(handler)) {}

void EventConsumer::SetCursor(const std::string& stream, int64_t sequence) {
  cursors_[stream] = sequence;
}

int64_t EventConsumer::cursor(const std::string& stream) const {
  auto it = cursors_.find(stream);
  return it == cursors_.end() ? 0 : it->second;
}

absl::Status EventConsumer::CatchUpStream(const std::string& stream) {
  while (true) {
    ASSIGN_OR_RETURN(std::vector<StreamEvent> events,
                     catch_up_(stream, cursor(stream), kCatchUpBatch));
    for (const StreamEvent& event : events) {
      if (event.sequence != cursor(stream) + 1) {
        // The owner purged events this consumer never saw (it was away longer than the
        // owner's retention). Continue from what exists; the consumer's state needs a resync.
        log::Error("events older than the owner's retention were missed")
            .With("stream", stream)
            .With("from", cursor(stream) + 1)
            .With("to", event.sequence - 1);
        cursors_[stream] = event.sequence - 1;
      }
      RETURN_IF_ERROR(Deliver(event));
    }
    if (events.size() < static_cast<size_t>(kCatchUpBatch)) return absl::OkStatus();
  }
}

absl::Status EventConsumer::Deliver(const StreamEvent& event) {
  int64_t& position = cursors_[event.stream];
  if (event.sequence <= position) return absl::OkStatus();  // a duplicate
  if (event.sequence > position + 1) {
    // A gap: fetch what is missing from the owner (this includes `event`).
    return CatchUpStream(event.stream);
  }
  RETURN_IF_ERROR(handler_(event));
  position = event.sequence;
  return absl::OkStatus();
}

absl::Status EventConsumer::Poll(absl::Duration block) {
  if (resync_needed_) {
    for (const auto& [stream, position] : std::map<std::string, int64_t>(cursors_)) {
      RETURN_IF_ERROR(CatchUpStream(stream));
    }
    resync_needed_ = false;
  }
  absl::StatusOr<Value> reply =
      pool_.Command({"XREAD", "COUNT", "1000", "BLOCK", absl::StrCat(absl::ToInt64Milliseconds(block)),
                     "STREAMS", key_, last_entry_id_});
  if (!reply.ok()) {
    resync_needed_ = true;
    return reply.status();
  }
  if (reply->is_nil() || reply->elements.empty()) return absl::OkStatus();
  for (const Value& entry : reply->elements[0].elements[1].elements) {
    std::string id;
    StreamEvent event;
    if (!ParseEntry(entry, id, event)) {
      log::Warning("malformed stream entry skipped").With("key", key_);
      continue;
    }
    RETURN_IF_ERROR(Deliver(event));
    last_entry_id_ = id;
  }
  return absl::OkStatus();
}

}  // namespace parta::redis
