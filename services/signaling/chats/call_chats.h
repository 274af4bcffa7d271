#pragma once

// The calls' chats, at messaging: a chat as the caller sees it (his membership, role and the
// chat's settings decide what he may do with its calls), and the notices of a call's start
// and end posted into the chat's history.

#include <functional>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "parta/messaging/v1/messaging.grpc.pb.h"

namespace parta::signaling {

class CallChats {
 public:
  using TokenSource = std::function<absl::StatusOr<std::string>()>;

  // `service_tokens`: the service's own token (scope messaging.call_notices.post) for the notices.
  CallChats(std::shared_ptr<::grpc::Channel> messaging, TokenSource service_tokens);
  virtual ~CallChats() = default;

  // The chat as the caller (`bearer`, his token) sees it. PERMISSION_DENIED `NOT_CHAT_MEMBER`
  // when he is not in it; UNAVAILABLE `MESSAGING_UNAVAILABLE` when messaging does not answer.
  virtual absl::StatusOr<messaging::v1::Chat> ChatOf(const std::string& bearer,
                                                     const std::string& chat_id);

  // Posts "звонок начат" (`ended` false) or "звонок завершён" with the call's length and the
  // number of people in the chat, in the host's name; idempotent per call and kind.
  virtual absl::Status PostNotice(const std::string& chat_id, const std::string& host_id,
                                  const std::string& call_id, bool ended, absl::Duration length,
                                  int people);

 private:
  std::unique_ptr<messaging::v1::MessagingService::Stub> stub_;
  TokenSource service_tokens_;
};

}  // namespace parta::signaling
