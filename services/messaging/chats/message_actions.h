#pragma once

// What members do to a posted message: react, pin, vote in a poll, close it, acknowledge an
// announcement (and its author's view of who has). Each change takes the chat's next sequence
// under the chat's row lock, like every other change.

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "libs/core/clock.h"
#include "libs/core/random.h"
#include "libs/pg/pool.h"
#include "parta/messaging/v1/messaging.pb.h"
#include "services/messaging/domain/model.h"

namespace parta::messaging {

class MessageActions {
 public:
  MessageActions(pg::Pool& pool, IdGenerator& ids, const Clock& clock,
                 std::function<void()> committed)
      : pool_(pool), ids_(ids), clock_(clock), committed_(std::move(committed)) {}

  absl::StatusOr<v1::Message> React(const std::string& caller,
                                    const v1::ReactToMessageRequest& req);
  absl::StatusOr<v1::Message> Pin(const std::string& caller, const v1::PinMessageRequest& req);
  absl::StatusOr<v1::Message> Vote(const std::string& caller, const v1::VotePollRequest& req);
  absl::StatusOr<v1::Message> ClosePoll(const std::string& caller, const v1::ClosePollRequest& req);
  absl::StatusOr<v1::Message> Acknowledge(const std::string& caller,
                                          const v1::AcknowledgeMessageRequest& req);
  absl::StatusOr<v1::ListAcknowledgementsResponse> ListAcknowledgements(
      const std::string& caller, const v1::ListAcknowledgementsRequest& req);

 private:
  // The locked chat, the caller's part in it and the message acted on.
  struct Target {
    Chat chat;
    Membership member;
    v1::Message message;
    absl::Time now;
  };
  // Runs `act` on the locked chat and the live message (not deleted), then returns the message
  // as the caller sees it now. `act` returns whether it changed something.
  using Act = std::function<absl::StatusOr<bool>(pqxx::work& tx, Target& target)>;
  absl::StatusOr<v1::Message> OnMessage(const std::string& caller, const std::string& chat_id,
                                        const std::string& message_id, const Act& act);

  pg::Pool& pool_;
  IdGenerator& ids_;
  const Clock& clock_;
  const std::function<void()> committed_;
};

}  // namespace parta::messaging
