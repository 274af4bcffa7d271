#pragma once

// RAII for the OpenSSL handles the emulator holds, and OpenSSL's error queue as text.

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/auth/certificate.h"

namespace parta::esia_emulator {

struct OpenSslFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
  void operator()(X509* certificate) const { X509_free(certificate); }
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
  void operator()(CMS_ContentInfo* cms) const { CMS_ContentInfo_free(cms); }
  // Frees the stack only: its certificates are borrowed.
  void operator()(STACK_OF(X509) * certificates) const { sk_X509_free(certificates); }
};

template <class T>
using OpenSslPtr = std::unique_ptr<T, OpenSslFree>;

// The reasons queued by the last failed OpenSSL calls (libs/auth).
using auth::TakeOpenSslErrors;

// The whole content of a (small) file; NOT_FOUND when it cannot be read.
absl::StatusOr<std::string> ReadSmallFile(const std::string& path);

// Lower-case hex SHA-256 of `bytes`.
std::string Sha256Hex(absl::string_view bytes);

}  // namespace parta::esia_emulator
