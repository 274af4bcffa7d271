#pragma once

// An ESIA emulator of its own for tests of the Gosuslugi login (tools/esia-emulator): generates
// the registered system's key pair and the emulator's signing key pair in a temporary folder,
// starts the built parta-esia-emulator on a free loopback port and stops it when done.
//
// A test target that uses it must be built after the emulator:
//   add_dependencies(<test target> parta-esia-emulator)

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "libs/testing/certificates.h"

namespace parta::testing {

// The query of a URL, decoded.
std::map<std::string, std::string> QueryOf(absl::string_view url);

class PrivateEsia {
 public:
  static constexpr char kDefaultIssuer[] = "http://esia-emulator.parta/";

  // Starts the emulator with `client_id` as the one registered system, `redirect_uris` as its
  // registered redirect URIs and `issuer` in the ID tokens; waits until it listens. `keys` is
  // the algorithm of the system's key and of the emulator's ID token key (GOST as in
  // production: GOST3410_2012_256 ID tokens).
  PrivateEsia(std::string client_id, std::vector<std::string> redirect_uris,
              std::string issuer = kDefaultIssuer, KeyAlgorithm keys = KeyAlgorithm::kRsa);
  ~PrivateEsia();  // stops it (SIGTERM, SIGKILL after 5 s) and removes the folder
  PrivateEsia(const PrivateEsia&) = delete;
  PrivateEsia& operator=(const PrivateEsia&) = delete;

  // "http://127.0.0.1:<port>", without a trailing slash.
  std::string base_url() const;
  int port() const { return port_; }
  const std::string& client_id() const { return client_id_; }
  const std::vector<std::string>& redirect_uris() const { return redirect_uris_; }
  const std::string& issuer() const { return issuer_; }

  // The registered system's private key and certificate (PEM): what the client signs with.
  const std::string& client_key_path() const { return client_key_path_; }
  const std::string& client_certificate_path() const { return client_certificate_path_; }
  // The client_certificate_hash: the lower-case hex digest of the client certificate's DER
  // (Streebog-256 for a GOST certificate, SHA-256 otherwise).
  const std::string& client_certificate_hash() const { return client_certificate_hash_; }
  // A self-signed certificate (PEM) of the emulator's ID token signing key: what the client
  // verifies ID tokens with.
  const std::string& provider_certificate_path() const { return provider_certificate_path_; }
  // The person's browser: opens `authorization_url` (this emulator's), chooses the test person
  // `person` ("ivanov") on its page and answers the address the emulator sends him back to (its
  // query has `code` and `state`, or `error`). Fails the test on anything else.
  std::string SignInAs(const std::string& authorization_url, const std::string& person) const;

  // The emulator's stderr: one line per request.
  std::string log_path() const { return folder_ + "/emulator.log"; }

 private:
  std::string folder_;
  std::string client_id_;
  std::vector<std::string> redirect_uris_;
  std::string issuer_;
  std::string client_key_path_;
  std::string client_certificate_path_;
  std::string client_certificate_hash_;
  std::string provider_certificate_path_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace parta::testing
