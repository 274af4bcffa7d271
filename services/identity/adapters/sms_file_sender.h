#pragma once

// The development SMS provider: nothing is sent; each text message is appended to a local
// file as one JSON line {"time", "to", "text"}, and the service says so when it starts. Real
// providers implement MessageSender the same way, behind PARTA_SMS_PROVIDER.

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "services/identity/domain/message_delivery.h"

namespace parta::identity {

class SmsFileSender final : public MessageSender {
 public:
  // INVALID_ARGUMENT SMS_CONFIG when the file cannot be opened for appending.
  static absl::StatusOr<std::unique_ptr<SmsFileSender>> Create(std::string path);

  // UNAVAILABLE SMS_UNAVAILABLE when the line cannot be written.
  absl::Status Send(const OutgoingMessage& message) override;

 private:
  explicit SmsFileSender(std::string path) : path_(std::move(path)) {}
  const std::string path_;
  absl::Mutex mu_;  // one line at a time
};

}  // namespace parta::identity
