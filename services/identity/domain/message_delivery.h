#pragma once

// Messages to people (reset codes by e-mail or SMS) leave the service here: written to the
// store in the transaction that decided them, then sent in the background, at least once, with
// growing pauses after failures, until sent or stale. Nothing a caller waits for: an answer
// takes the same time whether or not a message was written.

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/core/clock.h"
#include "services/identity/domain/account.h"
#include "services/identity/domain/ports.h"

namespace parta::identity {

// One way out (an SMTP relay, an SMS provider). Send errors UNAVAILABLE or DEADLINE_EXCEEDED
// mean "try again later"; any other error means the message can never be delivered as it is
// (a recipient the relay refuses) and it is dropped.
class MessageSender {
 public:
  virtual ~MessageSender() = default;
  virtual absl::Status Send(const OutgoingMessage& message) = 0;
};

struct DeliveryPolicy {
  absl::Duration first_retry = absl::Seconds(5);  // doubled after each failure
  absl::Duration max_retry = absl::Minutes(5);
  int batch = 20;  // messages per pass
};

class MessageDelivery {
 public:
  // `email`, `sms`: null when the deployment has no such channel (its messages are dropped).
  MessageDelivery(IdentityStore& store, MessageSender* email, MessageSender* sms,
                  const Clock& clock, DeliveryPolicy policy = {});

  // Sends the messages due now, a batch at a time, until none is left; returns how many were
  // sent. Replicas share the work: each message is held by one of them while it is sent.
  absl::StatusOr<int> DeliverDue();

 private:
  // One batch: how many were sent, and whether the batch was full.
  absl::StatusOr<std::pair<int, bool>> DeliverBatch();

  IdentityStore& store_;
  MessageSender* const email_;
  MessageSender* const sms_;
  const Clock& clock_;
  const DeliveryPolicy policy_;
};

}  // namespace parta::identity
