#include "services/identity/domain/message_delivery.h"

#include <algorithm>

#include "libs/core/log.h"
#include "libs/core/status.h"

namespace parta::identity {
namespace {

bool IsTransient(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnavailable ||
         status.code() == absl::StatusCode::kDeadlineExceeded;
}

absl::string_view ChannelName(DeliveryChannel channel) {
  return channel == DeliveryChannel::kEmail ? "email" : "sms";
}

}  // namespace

MessageDelivery::MessageDelivery(IdentityStore& store, MessageSender* email, MessageSender* sms,
                                 const Clock& clock, DeliveryPolicy policy)
    : store_(store), email_(email), sms_(sms), clock_(clock), policy_(policy) {}

absl::StatusOr<int> MessageDelivery::DeliverDue() {
  int sent = 0;
  for (;;) {
    ASSIGN_OR_RETURN(auto batch, DeliverBatch());
    sent += batch.first;
    if (!batch.second) return sent;
  }
}

absl::StatusOr<std::pair<int, bool>> MessageDelivery::DeliverBatch() {
  int sent = 0;
  bool full = false;
  RETURN_IF_ERROR(store_.Transact([&](IdentityTransaction& tx) -> absl::Status {
    sent = 0;
    const absl::Time now = clock_.Now();
    ASSIGN_OR_RETURN(std::vector<OutgoingMessage> due, tx.LockDueMessages(now, policy_.batch));
    full = static_cast<int>(due.size()) == policy_.batch;
    for (const OutgoingMessage& message : due) {
      MessageSender* sender = message.channel == DeliveryChannel::kEmail ? email_ : sms_;
      if (message.expires_at <= now || sender == nullptr) {
        log::Warning("message dropped undelivered")
            .With("message_id", message.id)
            .With("channel", ChannelName(message.channel))
            .With("attempts", static_cast<int64_t>(message.attempts))
            .With("why", sender == nullptr ? "no such channel" : "expired");
        RETURN_IF_ERROR(tx.DeleteOutgoingMessage(message.id));
        continue;
      }
      absl::Status status = sender->Send(message);
      if (status.ok()) {
        ++sent;
        RETURN_IF_ERROR(tx.DeleteOutgoingMessage(message.id));
        continue;
      }
      if (!IsTransient(status)) {
        log::Error("message refused; dropped")
            .With("message_id", message.id)
            .With("channel", ChannelName(message.channel))
            .With("error", status.ToString());
        RETURN_IF_ERROR(tx.DeleteOutgoingMessage(message.id));
        continue;
      }
      const int attempts = message.attempts + 1;
      absl::Duration pause = policy_.first_retry;
      for (int i = 1; i < attempts && pause < policy_.max_retry; ++i) pause *= 2;
      pause = std::min(pause, policy_.max_retry);
      log::Warning("message not sent; will retry")
          .With("message_id", message.id)
          .With("channel", ChannelName(message.channel))
          .With("attempts", static_cast<int64_t>(attempts))
          .With("error", status.ToString());
      RETURN_IF_ERROR(
          tx.RescheduleOutgoingMessage(message.id, attempts, now + pause, status.message()));
    }
    return absl::OkStatus();
  }));
  return std::make_pair(sent, full);
}

}  // namespace parta::identity
