#pragma once

// Reads that chats grant: a version attached to a message may be read by the members of its
// chat while the message exists. Messaging keeps the messages and the memberships, so it
// answers, asked with the reader's own token.

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "parta/messaging/v1/messaging.grpc.pb.h"

namespace parta::content {

class ChatAccess {
 public:
  virtual ~ChatAccess() = default;
  // Whether the bearer of `token` may see a message that carries `version_id`. UNAVAILABLE
  // `MESSAGING_UNAVAILABLE` when messaging does not answer.
  virtual absl::StatusOr<bool> MayRead(const std::string& token, const std::string& version_id) = 0;
};

// ChatAccess over messaging's gRPC API. The channel is made on first use from `address`, which
// may therefore be learned after start (tests start messaging after content).
class MessagingChatAccess final : public ChatAccess {
 public:
  explicit MessagingChatAccess(std::function<std::string()> address);
  absl::StatusOr<bool> MayRead(const std::string& token, const std::string& version_id) override;

 private:
  messaging::v1::MessagingService::Stub& Stub();

  const std::function<std::string()> address_;
  std::once_flag once_;
  std::unique_ptr<messaging::v1::MessagingService::Stub> stub_;
};

}  // namespace parta::content
