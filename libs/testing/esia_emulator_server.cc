#include "libs/testing/esia_emulator_server.h"

#include <fcntl.h>
#include <openssl/x509.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "libs/auth/gost.h"
#include "libs/core/random.h"
#include "libs/http/client.h"
#include "libs/http/encoding.h"
#include "libs/testing/certificates.h"

#ifndef PARTA_ESIA_EMULATOR_BIN
#error "the build defines PARTA_ESIA_EMULATOR_BIN"
#endif

namespace parta::testing {
namespace {

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// What the client sends as client_certificate_hash for the certificate `der`.
std::string CertificateHash(const std::string& der) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(der.data());
  X509* certificate = d2i_X509(nullptr, &bytes, static_cast<long>(der.size()));
  REQUIRE(certificate != nullptr);
  std::string hash = auth::CertificateHashHex(certificate);
  X509_free(certificate);
  REQUIRE(!hash.empty());
  return hash;
}

}  // namespace

PrivateEsia::PrivateEsia(std::string client_id, std::vector<std::string> redirect_uris,
                         std::string issuer, KeyAlgorithm keys)
    : folder_((std::filesystem::temp_directory_path() /
               absl::StrCat("parta-esia-", absl::BytesToHexString(RandomBytes(6))))
                  .string()),
      client_id_(std::move(client_id)),
      redirect_uris_(std::move(redirect_uris)),
      issuer_(std::move(issuer)) {
  if (!std::filesystem::exists(PARTA_ESIA_EMULATOR_BIN)) {
    FAIL(PARTA_ESIA_EMULATOR_BIN
         " is not built: the test target needs "
         "add_dependencies(<test> parta-esia-emulator)");
  }
  const CertificateFiles client = WriteSelfSignedCertificate(
      folder_ + "/client", "Parta test client " + client_id_, keys);
  const CertificateFiles provider =
      WriteSelfSignedCertificate(folder_ + "/provider", "ESIA emulator", keys);
  client_key_path_ = client.key_path;
  client_certificate_path_ = client.certificate_path;
  client_certificate_hash_ = CertificateHash(client.certificate_der);
  provider_certificate_path_ = provider.certificate_path;

  const std::string port_file = folder_ + "/port";
  std::vector<std::string> args = {PARTA_ESIA_EMULATOR_BIN,
                                   "--listen",
                                   "127.0.0.1:0",
                                   "--port-file",
                                   port_file,
                                   "--client-id",
                                   client_id_,
                                   "--client-certificate",
                                   client_certificate_path_,
                                   "--signing-key",
                                   provider.key_path,
                                   "--issuer",
                                   issuer_};
  for (const std::string& uri : redirect_uris_) {
    args.push_back("--redirect-uri");
    args.push_back(uri);
  }
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const std::string log = log_path();

  const int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  REQUIRE(log_fd >= 0);

  signal(SIGPIPE, SIG_IGN);
  pid_ = fork();
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a crashed test
    if (dup2(log_fd, STDERR_FILENO) < 0) _exit(126);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(log_fd);
  REQUIRE(pid_ > 0);
  for (int attempt = 0; attempt < 1000; ++attempt) {
    const std::string text = ReadFileOrEmpty(port_file);
    if (absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &port_) && port_ > 0) return;
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      FAIL("parta-esia-emulator exited at start; its log:\n" << ReadFileOrEmpty(log));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
  FAIL("parta-esia-emulator wrote no port file within 10 s; its log:\n" << ReadFileOrEmpty(log));
}

PrivateEsia::~PrivateEsia() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    bool exited = false;
    for (int attempt = 0; attempt < 500 && !exited; ++attempt) {
      exited = waitpid(pid_, nullptr, WNOHANG) == pid_;
      if (!exited) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!exited) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  std::error_code ignored;
  std::filesystem::remove_all(folder_, ignored);
}

std::string PrivateEsia::base_url() const { return absl::StrCat("http://127.0.0.1:", port_); }

std::map<std::string, std::string> QueryOf(absl::string_view url) {
  std::map<std::string, std::string> query;
  const size_t mark = url.find('?');
  if (mark == absl::string_view::npos) return query;
  for (absl::string_view pair : absl::StrSplit(url.substr(mark + 1), '&', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(pair, absl::MaxSplits('=', 1));
    query[http::FormDecode(kv.first).value_or("")] = http::FormDecode(kv.second).value_or("");
  }
  return query;
}

std::string PrivateEsia::SignInAs(const std::string& authorization_url,
                                  const std::string& person) const {
  REQUIRE(absl::StartsWith(authorization_url, base_url()));
  http::Client browser("127.0.0.1", port_);
  auto page = browser.Get(authorization_url.substr(base_url().size()), absl::Seconds(10));
  REQUIRE(page.ok());
  if (page->status == 302) return page->Header("Location");  // refused at once
  INFO(page->body);
  REQUIRE(page->status == 200);
  const std::string marker = "name=\"request\" value=\"";
  const size_t at = page->body.find(marker);
  REQUIRE(at != std::string::npos);
  const size_t start = at + marker.size();
  const std::string request = page->body.substr(start, page->body.find('"', start) - start);
  auto chosen = browser.Send({.method = "POST",
                              .target = "/aas/oauth2/v2/ac/login",
                              .headers = {{"Content-Type", "application/x-www-form-urlencoded"}},
                              .body = http::FormEncode({{"request", request}, {"person", person}})},
                             absl::Seconds(10));
  REQUIRE(chosen.ok());
  REQUIRE(chosen->status == 302);
  return chosen->Header("Location");
}

}  // namespace parta::testing
