#include "libs/auth/certificate.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

#include "absl/strings/ascii.h"
#include "libs/core/status.h"
#include "libs/core/random.h"

namespace parta::auth {
namespace {

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Free {
  void operator()(X509* certificate) const { X509_free(certificate); }
};

absl::Status Invalid(absl::string_view why) {
  return InvalidArgument("INVALID_CERTIFICATE", why);
}

}  // namespace

absl::StatusOr<CertificateFacts> ReadPemCertificate(absl::string_view pem) {
  pem = absl::StripAsciiWhitespace(pem);  // PEM's armour must start a line
  if (pem.size() > 64 * 1024) return Invalid("a certificate is at most 64 KiB of PEM");
  // Whatever happens here, the thread's OpenSSL error queue is left empty: gRPC's TLS code on the
  // same thread reads it.
  struct ClearErrors {
    ~ClearErrors() { ERR_clear_error(); }
  } clear_errors;
  std::unique_ptr<BIO, BioFree> in(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!in) return absl::ResourceExhaustedError("cannot allocate a BIO");
  std::unique_ptr<X509, X509Free> certificate(PEM_read_bio_X509(in.get(), nullptr, nullptr,
                                                                nullptr));
  if (!certificate) return Invalid("not a PEM X.509 certificate");
  if (std::unique_ptr<X509, X509Free> another(PEM_read_bio_X509(in.get(), nullptr, nullptr,
                                                                nullptr));
      another) {
    return Invalid("one certificate, not a chain");
  }
  unsigned char* der = nullptr;
  const int der_size = i2d_X509(certificate.get(), &der);
  if (der_size <= 0) return Invalid("the certificate cannot be encoded");
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  const bool hashed = EVP_Digest(der, static_cast<size_t>(der_size), digest, &digest_size,
                                 EVP_sha256(), nullptr) == 1;
  OPENSSL_free(der);
  if (!hashed) return absl::InternalError("SHA-256 failed");
  struct tm expiry = {};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(certificate.get()), &expiry) != 1) {
    return Invalid("the certificate's expiry cannot be read");
  }
  return CertificateFacts{
      .thumbprint = Base64UrlEncode(
          absl::string_view(reinterpret_cast<const char*>(digest), digest_size)),
      .not_after = absl::FromTM(expiry, absl::UTCTimeZone())};
}

std::string TakeOpenSslErrors() {
  std::string text;
  while (const unsigned long error = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(error, buffer, sizeof buffer);
    text += std::string(text.empty() ? "" : "; ") + buffer;
  }
  return text.empty() ? "no details from OpenSSL" : text;
}

}  // namespace parta::auth
