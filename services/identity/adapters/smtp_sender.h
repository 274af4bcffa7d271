#pragma once

// E-mail through an SMTP relay (libcurl's SMTP client): `smtps://` (TLS from the start) or
// `smtp://` with STARTTLS required, unless the relay is on this machine or plain SMTP is
// allowed explicitly; optional AUTH. Each message is one SMTP transaction, UTF-8 text in
// base64, its subject encoded per RFC 2047.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/identity/domain/message_delivery.h"

namespace parta::identity {

struct SmtpSettings {
  std::string url;   // smtp://host[:port] or smtps://host[:port]
  std::string from;  // the sender's address ("no-reply@parta.example")
  std::string from_name = "Parta";
  std::string username;  // AUTH, when the relay asks for it
  std::string password;
  std::string ca_file;  // PEM CAs the relay's certificate chains to (empty: the system's)
  bool allow_plain = false;  // smtp:// without STARTTLS to a relay not on this machine
  absl::Duration timeout = absl::Seconds(10);
};

// Whether the relay of `url` is on this machine (localhost, 127.0.0.0/8, [::1]): plain SMTP is
// allowed to it without STARTTLS.
bool IsLoopbackRelay(absl::string_view url);

// The whole message (RFC 5322 headers and body) as it goes to the relay.
std::string ComposeEmail(const SmtpSettings& settings, const OutgoingMessage& message,
                         absl::Time now);

class SmtpSender final : public MessageSender {
 public:
  // INVALID_ARGUMENT SMTP_CONFIG for a URL or sender that cannot work.
  static absl::StatusOr<std::unique_ptr<SmtpSender>> Create(SmtpSettings settings);

  // UNAVAILABLE SMTP_UNAVAILABLE (no connection, a 4xx answer, TLS), DEADLINE_EXCEEDED
  // SMTP_TIMEOUT, INVALID_ARGUMENT SMTP_REFUSED (a 5xx answer: the recipient or the message).
  absl::Status Send(const OutgoingMessage& message) override;

 private:
  explicit SmtpSender(SmtpSettings settings) : settings_(std::move(settings)) {}
  SmtpSettings settings_;
};

}  // namespace parta::identity
