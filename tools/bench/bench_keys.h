#pragma once

// The benchmarks' own stand-in for identity's keys: an Ed25519 key whose public half is served
// as identity's GetSigningKeys on a port of its own, and tokens signed with it for any account.
// Services under test trust it as they trust identity, so benchmarks make users without a
// password login each.

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "libs/auth/ed25519.h"
#include "libs/auth/token.h"
#include "parta/identity/v1/identity.grpc.pb.h"

namespace parta::bench {

class Signer {
 public:
  Signer() : key_(auth::Ed25519PrivateKey::Generate()) {}
  auth::KeySet Keys() const;
  // "Bearer <token>" of a user (one session per user), valid for two hours.
  std::string User(const std::string& user_id, bool is_operator = false) const;
  // "Bearer <token>" of a service client with scope parta.internal.
  std::string Service() const;

 private:
  std::string Sign(auth::Claims claims) const;
  auth::Ed25519PrivateKey key_;
};

// Serves the signer's public key as identity's GetSigningKeys on 127.0.0.1, and its service token
// (scope parta.internal, two hours) as IssueServiceToken to any client id and secret.
class KeyServer {
 public:
  static absl::StatusOr<std::unique_ptr<KeyServer>> Start(const Signer& signer);
  ~KeyServer();
  int port() const { return port_; }

  class Endpoint;

 private:
  KeyServer() = default;
  std::unique_ptr<Endpoint> endpoint_;
  std::unique_ptr<::grpc::Server> server_;
  int port_ = 0;
};

}  // namespace parta::bench
