#pragma once

// TLS of every gRPC listener and channel of a process. One process has one identity: the
// certificate its servers present is also the client certificate its channels present to other
// Parta services (mutual TLS between services), and one CA bundle verifies both directions.
// Certificates and keys are read from files and read again when they change, so a renewed
// certificate needs no restart (new connections get it; open ones keep theirs).
//
//   PARTA_GRPC_TLS_CERT             PEM certificate chain of this process (enables TLS)
//   PARTA_GRPC_TLS_KEY              its PEM private key (required with the certificate)
//   PARTA_GRPC_TLS_CA               PEM CA bundle: verifies client certificates presented to this
//                                   process's servers (mutual TLS, optional for the client) and
//                                   the servers its channels reach; without it servers ask for no
//                                   client certificate and channels trust the system's roots
//   PARTA_GRPC_TLS_RELOAD_INTERVAL  how often the files are checked for changes (default 1m)
//
// Without PARTA_GRPC_TLS_CERT everything is plaintext, as on one development machine.

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/core/config.h"

namespace parta::grpc {

struct TransportSecurity {
  std::string certificate_file;
  std::string private_key_file;
  std::string ca_file;
  absl::Duration reload_interval = absl::Minutes(1);

  bool enabled() const { return !certificate_file.empty(); }
};

// Reads the PARTA_GRPC_TLS_* settings; INVALID_ARGUMENT when a certificate comes without its key
// (or the reverse), a CA without a certificate, or a file cannot be read.
absl::StatusOr<TransportSecurity> TransportSecurityFromEnvironment(Config& env);

// Sets the process's transport security, used from then on by Server::Start and MakeChannel.
// Called once at start-up (services' main; tests before they start anything).
void UseTransportSecurity(TransportSecurity security);
// Reads the settings and uses them; the error of TransportSecurityFromEnvironment otherwise.
absl::Status UseTransportSecurityFromEnvironment(Config& env);
// The process's transport security (plaintext until UseTransportSecurity).
TransportSecurity CurrentTransportSecurity();

// Credentials of a listener: TLS with the process's certificate, asking clients for a
// certificate verified against the CA when there is one; insecure when TLS is off.
std::shared_ptr<::grpc::ServerCredentials> ServerCredentialsFor(const TransportSecurity& security);
// Credentials of a channel: TLS verifying the server (its name or IP address against the
// target's host) and presenting the process's certificate; insecure when TLS is off.
std::shared_ptr<::grpc::ChannelCredentials> ChannelCredentialsFor(
    const TransportSecurity& security);

// The SHA-256 thumbprint (base64url, `x5t#S256`) of the client certificate the peer of a call
// presented and the listener verified; empty on plaintext or without a certificate.
std::string PeerCertificateThumbprint(const ::grpc::AuthContext* auth_context);

}  // namespace parta::grpc
