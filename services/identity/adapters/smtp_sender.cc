#include "services/identity/adapters/smtp_sender.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/core/random.h"
#include "libs/core/status.h"

namespace parta::identity {
namespace {

// A header value as RFC 2047 encoded-words of at most 36 bytes of UTF-8 each (64 characters,
// never splitting a character), folded one per line; plain ASCII as it is.
std::string EncodeHeaderWords(absl::string_view text) {
  bool ascii = std::all_of(text.begin(), text.end(), [](char c) {
    return static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f;
  });
  if (ascii) return std::string(text);
  constexpr size_t kChunk = 36;
  std::string out;
  while (!text.empty()) {
    size_t size = std::min(kChunk, text.size());
    // Back off continuation bytes (10xxxxxx) so that a character stays in one word.
    while (size < text.size() && (static_cast<unsigned char>(text[size]) & 0xC0) == 0x80) {
      --size;
    }
    if (!out.empty()) out += "\r\n ";
    absl::StrAppend(&out, "=?UTF-8?B?", absl::Base64Escape(text.substr(0, size)), "?=");
    text.remove_prefix(size);
  }
  return out;
}

// Base64 in lines of 76 characters (RFC 2045).
std::string Base64Lines(absl::string_view text) {
  const std::string encoded = absl::Base64Escape(text);
  std::string out;
  for (size_t i = 0; i < encoded.size(); i += 76) {
    absl::StrAppend(&out, encoded.substr(i, 76), "\r\n");
  }
  return out;
}

// Feeds the composed message to libcurl.
struct Upload {
  const std::string* text;
  size_t offset = 0;
};

size_t ReadUpload(char* buffer, size_t size, size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const size_t room = size * count;
  const size_t left = upload->text->size() - upload->offset;
  const size_t n = std::min(room, left);
  std::memcpy(buffer, upload->text->data() + upload->offset, n);
  upload->offset += n;
  return n;
}

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

}  // namespace

bool IsLoopbackRelay(absl::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == absl::string_view::npos) return false;
  absl::string_view host = url.substr(scheme + 3);
  host = host.substr(0, host.find('/'));
  if (absl::StartsWith(host, "[")) {
    const size_t close = host.find(']');
    if (close == absl::string_view::npos) return false;
    absl::string_view after = host.substr(close + 1);
    return host.substr(0, close + 1) == "[::1]" && (after.empty() || after[0] == ':');
  }
  host = host.substr(0, host.find(':'));
  if (host == "localhost") return true;
  // 127.0.0.0/8, written as four decimal parts.
  std::vector<absl::string_view> parts = absl::StrSplit(host, '.');
  if (parts.size() != 4 || parts[0] != "127") return false;
  for (absl::string_view part : parts) {
    int value = 0;
    if (part.empty() || part.size() > 3 || !absl::SimpleAtoi(part, &value) || value > 255) {
      return false;
    }
  }
  return true;
}

std::string ComposeEmail(const SmtpSettings& settings, const OutgoingMessage& message,
                         absl::Time now) {
  const std::string domain = settings.from.substr(settings.from.find('@') + 1);
  std::string text;
  absl::StrAppend(&text, "Date: ",
                  absl::FormatTime("%a, %d %b %Y %H:%M:%S +0000", now, absl::UTCTimeZone()),
                  "\r\n");
  absl::StrAppend(&text, "From: ", EncodeHeaderWords(settings.from_name), " <", settings.from,
                  ">\r\n");
  absl::StrAppend(&text, "To: <", message.recipient, ">\r\n");
  absl::StrAppend(&text, "Subject: ", EncodeHeaderWords(message.subject), "\r\n");
  absl::StrAppend(&text, "Message-ID: <", message.id, "@", domain, ">\r\n");
  absl::StrAppend(&text, "MIME-Version: 1.0\r\n");
  absl::StrAppend(&text, "Content-Type: text/plain; charset=UTF-8\r\n");
  absl::StrAppend(&text, "Content-Transfer-Encoding: base64\r\n");
  absl::StrAppend(&text, "Auto-Submitted: auto-generated\r\n");
  absl::StrAppend(&text, "\r\n", Base64Lines(message.body));
  return text;
}

absl::StatusOr<std::unique_ptr<SmtpSender>> SmtpSender::Create(SmtpSettings settings) {
  const bool smtps = absl::StartsWith(settings.url, "smtps://");
  if (!smtps && !absl::StartsWith(settings.url, "smtp://")) {
    return InvalidArgument("SMTP_CONFIG", "the SMTP URL starts with smtp:// or smtps://");
  }
  if (settings.from.empty() || !absl::StrContains(settings.from, '@') ||
      absl::StrContains(settings.from, '<') || absl::StrContains(settings.from, '\n')) {
    return InvalidArgument("SMTP_CONFIG", "the sender is one address, as no-reply@parta.example");
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);  // idempotent; before any thread uses libcurl
  return std::unique_ptr<SmtpSender>(new SmtpSender(std::move(settings)));
}

absl::Status SmtpSender::Send(const OutgoingMessage& message) {
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return Unavailable("SMTP_UNAVAILABLE", "libcurl could not start a transfer");
  const std::string text = ComposeEmail(settings_, message, absl::Now());
  Upload upload{.text = &text};
  const std::string from = absl::StrCat("<", settings_.from, ">");
  std::unique_ptr<curl_slist, SlistDeleter> recipients(
      curl_slist_append(nullptr, absl::StrCat("<", message.recipient, ">").c_str()));
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, settings_.url.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, recipients.get());
  curl_easy_setopt(c, CURLOPT_READFUNCTION, ReadUpload);
  curl_easy_setopt(c, CURLOPT_READDATA, &upload);
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(settings_.timeout)));
  const bool plain_allowed = settings_.allow_plain || IsLoopbackRelay(settings_.url);
  curl_easy_setopt(c, CURLOPT_USE_SSL, plain_allowed ? CURLUSESSL_TRY : CURLUSESSL_ALL);
  if (!settings_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, settings_.ca_file.c_str());
  if (!settings_.username.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, settings_.username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, settings_.password.c_str());
  }
  char error[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  const CURLcode result = curl_easy_perform(c);
  if (result == CURLE_OK) return absl::OkStatus();
  long reply = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply);
  const std::string detail =
      absl::StrCat(curl_easy_strerror(result), error[0] ? ": " : "", error, " (reply ", reply, ")");
  if (result == CURLE_OPERATION_TIMEDOUT) {
    return Error(absl::StatusCode::kDeadlineExceeded, "SMTP_TIMEOUT", detail);
  }
  if (reply >= 500 && reply < 600) return InvalidArgument("SMTP_REFUSED", detail);
  return Unavailable("SMTP_UNAVAILABLE", detail);
}

}  // namespace parta::identity
