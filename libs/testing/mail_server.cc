#include "libs/testing/mail_server.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "libs/core/random.h"

#ifndef PARTA_MAIL_SINK_SCRIPT
#error "the build defines PARTA_MAIL_SINK_SCRIPT"
#endif

namespace parta::testing {
namespace {

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Decodes every RFC 2047 encoded-word ("=?UTF-8?B?…?=") of a header value; the rest as it is.
std::string DecodeHeader(absl::string_view value) {
  std::string out;
  while (!value.empty()) {
    size_t start = value.find("=?");
    if (start == absl::string_view::npos) break;
    size_t charset_end = value.find('?', start + 2);
    if (charset_end == absl::string_view::npos || charset_end + 3 > value.size()) break;
    size_t end = value.find("?=", charset_end + 3);
    if (end == absl::string_view::npos) break;
    absl::string_view between = absl::StripAsciiWhitespace(value.substr(0, start));
    if (!out.empty() && !between.empty()) out += ' ';
    out += std::string(between);
    std::string decoded;
    absl::string_view encoding = value.substr(charset_end + 1, 1);
    absl::string_view text = value.substr(charset_end + 3, end - charset_end - 3);
    if (encoding == "B" || encoding == "b") absl::Base64Unescape(text, &decoded);
    out += decoded;
    value.remove_prefix(end + 2);
  }
  out += std::string(absl::StripAsciiWhitespace(value));
  return out;
}

}  // namespace

DeliveredMail ParseDeliveredMail(const std::string& raw) {
  DeliveredMail mail{.raw = raw};
  std::string text = absl::StrReplaceAll(raw, {{"\r\n", "\n"}});
  size_t split = text.find("\n\n");
  std::string head = text.substr(0, split);
  std::string body = split == std::string::npos ? "" : text.substr(split + 2);
  // Unfold continued header lines.
  head = absl::StrReplaceAll(head, {{"\n ", " "}, {"\n\t", " "}});
  bool base64 = false;
  for (absl::string_view line : absl::StrSplit(head, '\n')) {
    size_t colon = line.find(':');
    if (colon == absl::string_view::npos) continue;
    std::string name = absl::AsciiStrToLower(line.substr(0, colon));
    absl::string_view value = absl::StripAsciiWhitespace(line.substr(colon + 1));
    if (name == "x-rcptto") mail.recipient = std::string(value);
    if (name == "from") mail.from = DecodeHeader(value);
    if (name == "subject") mail.subject = DecodeHeader(value);
    if (name == "content-transfer-encoding") {
      base64 = absl::EqualsIgnoreCase(value, "base64");
    }
  }
  if (base64) {
    std::string compact;
    for (char c : body) {
      if (!absl::ascii_isspace(static_cast<unsigned char>(c))) compact += c;
    }
    absl::Base64Unescape(compact, &mail.body);
  } else {
    mail.body = body;
  }
  return mail;
}

PrivateMailServer::PrivateMailServer()
    : folder_((std::filesystem::temp_directory_path() /
               absl::StrCat("parta-mail-", absl::BytesToHexString(RandomBytes(6))))
                  .string()) {
  std::filesystem::create_directories(folder_);
  const std::string port_file = folder_ + "/port";
  const std::string log = folder_ + "/mail-sink.log";
  const std::string mail = maildir();
  const int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  REQUIRE(log_fd >= 0);
  pid_ = fork();
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a crashed test
    if (dup2(log_fd, STDERR_FILENO) < 0 || dup2(log_fd, STDOUT_FILENO) < 0) _exit(126);
    // Debian's python3, where python3-aiosmtpd is installed.
    execl("/usr/bin/python3", "python3", PARTA_MAIL_SINK_SCRIPT, "--listen", "127.0.0.1:0",
          "--maildir", mail.c_str(), "--port-file", port_file.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(log_fd);
  REQUIRE(pid_ > 0);
  for (int attempt = 0; attempt < 3000; ++attempt) {
    if (absl::SimpleAtoi(absl::StripAsciiWhitespace(ReadFileOrEmpty(port_file)), &port_) &&
        port_ > 0) {
      return;
    }
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      FAIL("the mail sink exited at start (is python3-aiosmtpd installed?); its log:\n"
           << ReadFileOrEmpty(log));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
  FAIL("the mail sink wrote no port file within 30 s; its log:\n" << ReadFileOrEmpty(log));
}

PrivateMailServer::~PrivateMailServer() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  std::error_code ignored;
  std::filesystem::remove_all(folder_, ignored);
}

std::string PrivateMailServer::url() const { return absl::StrCat("smtp://127.0.0.1:", port_); }

std::vector<DeliveredMail> PrivateMailServer::MailTo(const std::string& recipient) const {
  std::vector<std::pair<std::filesystem::file_time_type, DeliveredMail>> found;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(maildir() + "/new", error)) {
    DeliveredMail mail = ParseDeliveredMail(ReadFileOrEmpty(entry.path().string()));
    if (absl::EqualsIgnoreCase(mail.recipient, recipient)) {
      found.emplace_back(entry.last_write_time(error), std::move(mail));
    }
  }
  std::stable_sort(found.begin(), found.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<DeliveredMail> mail;
  for (auto& [time, message] : found) mail.push_back(std::move(message));
  return mail;
}

std::vector<DeliveredMail> PrivateMailServer::WaitForMail(const std::string& recipient,
                                                          size_t count,
                                                          absl::Duration timeout) const {
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    std::vector<DeliveredMail> mail = MailTo(recipient);
    if (mail.size() >= count) return mail;
    if (absl::Now() > deadline) {
      FAIL("no mail (" << mail.size() << " of " << count << ") to " << recipient
                       << " within the bound; the sink's log:\n"
                       << ReadFileOrEmpty(folder_ + "/mail-sink.log"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace parta::testing
