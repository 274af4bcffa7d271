#include "services/identity/adapters/sms_file_sender.h"

#include <fstream>

#include <nlohmann/json.hpp>

#include "absl/time/clock.h"
#include "libs/core/log.h"
#include "libs/core/status.h"

namespace parta::identity {

absl::StatusOr<std::unique_ptr<SmsFileSender>> SmsFileSender::Create(std::string path) {
  if (!std::ofstream(path, std::ios::app)) {
    return InvalidArgument("SMS_CONFIG", "cannot append to the development SMS file " + path);
  }
  log::Warning("development SMS provider: text messages are written to a file, none is sent")
      .With("file", path);
  return std::unique_ptr<SmsFileSender>(new SmsFileSender(std::move(path)));
}

absl::Status SmsFileSender::Send(const OutgoingMessage& message) {
  const nlohmann::json line = {
      {"time", absl::FormatTime(absl::RFC3339_sec, absl::Now(), absl::UTCTimeZone())},
      {"to", message.recipient},
      {"text", message.body}};
  absl::MutexLock lock(&mu_);
  std::ofstream out(path_, std::ios::app);
  out << line.dump() << "\n";
  out.flush();
  if (!out) return Unavailable("SMS_UNAVAILABLE", "cannot append to " + path_);
  return absl::OkStatus();
}

}  // namespace parta::identity
