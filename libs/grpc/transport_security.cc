#include "libs/grpc/transport_security.h"

#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>

#include <algorithm>
#include <fstream>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "libs/auth/certificate.h"
#include "libs/core/status.h"

namespace parta::grpc {
namespace {

using ::grpc::experimental::FileWatcherCertificateProvider;

std::mutex process_security_mutex;
TransportSecurity& ProcessSecurity() {
  static auto* security = new TransportSecurity();
  return *security;
}

bool Readable(const std::string& path) { return std::ifstream(path).good(); }

unsigned ReloadSeconds(const TransportSecurity& security) {
  return static_cast<unsigned>(
      std::max<int64_t>(1, absl::ToInt64Seconds(security.reload_interval)));
}

std::shared_ptr<FileWatcherCertificateProvider> WatchFiles(const TransportSecurity& security) {
  return std::make_shared<FileWatcherCertificateProvider>(
      security.private_key_file, security.certificate_file, security.ca_file,
      ReloadSeconds(security));
}

}  // namespace

absl::StatusOr<TransportSecurity> TransportSecurityFromEnvironment(Config& env) {
  TransportSecurity security;
  security.certificate_file = env.String("PARTA_GRPC_TLS_CERT", "");
  security.private_key_file = env.String("PARTA_GRPC_TLS_KEY", "");
  security.ca_file = env.String("PARTA_GRPC_TLS_CA", "");
  security.reload_interval = env.Duration("PARTA_GRPC_TLS_RELOAD_INTERVAL", absl::Minutes(1));
  if (security.certificate_file.empty() != security.private_key_file.empty()) {
    return InvalidArgument("TLS_SETTINGS",
                           "PARTA_GRPC_TLS_CERT and PARTA_GRPC_TLS_KEY go together");
  }
  if (!security.enabled() && !security.ca_file.empty()) {
    return InvalidArgument("TLS_SETTINGS", "PARTA_GRPC_TLS_CA needs PARTA_GRPC_TLS_CERT");
  }
  if (security.reload_interval < absl::Seconds(1)) {
    return InvalidArgument("TLS_SETTINGS", "PARTA_GRPC_TLS_RELOAD_INTERVAL is at least 1s");
  }
  for (const std::string* file :
       {&security.certificate_file, &security.private_key_file, &security.ca_file}) {
    if (!file->empty() && !Readable(*file)) {
      return InvalidArgument("TLS_SETTINGS", absl::StrCat("cannot read ", *file));
    }
  }
  return security;
}

void UseTransportSecurity(TransportSecurity security) {
  std::lock_guard<std::mutex> lock(process_security_mutex);
  ProcessSecurity() = std::move(security);
}

absl::Status UseTransportSecurityFromEnvironment(Config& env) {
  ASSIGN_OR_RETURN(TransportSecurity security, TransportSecurityFromEnvironment(env));
  UseTransportSecurity(std::move(security));
  return absl::OkStatus();
}

TransportSecurity CurrentTransportSecurity() {
  std::lock_guard<std::mutex> lock(process_security_mutex);
  return ProcessSecurity();
}

std::shared_ptr<::grpc::ServerCredentials> ServerCredentialsFor(
    const TransportSecurity& security) {
  if (!security.enabled()) return ::grpc::InsecureServerCredentials();
  ::grpc::experimental::TlsServerCredentialsOptions options(WatchFiles(security));
  options.watch_identity_key_cert_pairs();
  if (security.ca_file.empty()) {
    options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  } else {
    // A client certificate is optional (the gateway's users have none, API clients may be bound
    // to one) but never unverified: one that does not chain to the CA fails the handshake.
    options.watch_root_certs();
    options.set_cert_request_type(GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY);
  }
  return ::grpc::experimental::TlsServerCredentials(options);
}

std::shared_ptr<::grpc::ChannelCredentials> ChannelCredentialsFor(
    const TransportSecurity& security) {
  if (!security.enabled()) return ::grpc::InsecureChannelCredentials();
  ::grpc::experimental::TlsChannelCredentialsOptions options;
  options.set_certificate_provider(WatchFiles(security));
  options.watch_identity_key_cert_pairs();
  if (!security.ca_file.empty()) options.watch_root_certs();
  options.set_verify_server_certs(true);
  return ::grpc::experimental::TlsCredentials(options);
}

std::string PeerCertificateThumbprint(const ::grpc::AuthContext* auth_context) {
  if (auth_context == nullptr) return "";
  std::vector<::grpc::string_ref> pems = auth_context->FindPropertyValues("x509_pem_cert");
  if (pems.empty()) return "";
  absl::StatusOr<auth::CertificateFacts> facts =
      auth::ReadPemCertificate(absl::string_view(pems.front().data(), pems.front().size()));
  return facts.ok() ? facts->thumbprint : "";
}

}  // namespace parta::grpc
