#include "services/identity/esia/request_signer.h"

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "libs/auth/gost.h"
#include "libs/core/random.h"
#include "libs/core/status.h"

namespace parta::identity::esia {

struct RequestSigner::Keys {
  EVP_PKEY* key = nullptr;
  X509* certificate = nullptr;
  ~Keys() {
    EVP_PKEY_free(key);
    X509_free(certificate);
  }
};

namespace {

absl::Status BadKeys(absl::string_view what) { return InvalidArgument("ESIA_KEYS", what); }

}  // namespace

RequestSigner::RequestSigner(std::unique_ptr<Keys> keys, std::string certificate_hash)
    : keys_(std::move(keys)), certificate_hash_(std::move(certificate_hash)) {}

RequestSigner::~RequestSigner() = default;

absl::StatusOr<std::unique_ptr<RequestSigner>> RequestSigner::FromFiles(
    const std::string& key_file, const std::string& cert_file) {
  // GOST keys are read only with the engine loaded; RSA keys need nothing.
  (void)auth::EnableGostAlgorithms();
  auto keys = std::make_unique<Keys>();
  if (BIO* in = BIO_new_file(key_file.c_str(), "r")) {
    keys->key = PEM_read_bio_PrivateKey(in, nullptr, nullptr, nullptr);
    BIO_free(in);
  }
  if (keys->key == nullptr) {
    return BadKeys(
        absl::StrCat("cannot read the key in ", key_file, auth::GostUnavailableSuffix()));
  }
  if (BIO* in = BIO_new_file(cert_file.c_str(), "r")) {
    keys->certificate = PEM_read_bio_X509(in, nullptr, nullptr, nullptr);
    BIO_free(in);
  }
  if (keys->certificate == nullptr) {
    return BadKeys(absl::StrCat("cannot read the certificate in ", cert_file));
  }
  if (X509_check_private_key(keys->certificate, keys->key) != 1) {
    return BadKeys(absl::StrCat("the key in ", key_file, " is not the certificate's"));
  }
  std::string hash = auth::CertificateHashHex(keys->certificate);
  if (hash.empty()) return BadKeys("cannot hash the certificate");
  return std::unique_ptr<RequestSigner>(new RequestSigner(std::move(keys), std::move(hash)));
}

absl::StatusOr<std::string> RequestSigner::Sign(absl::string_view data) const {
  BIO* content = BIO_new_mem_buf(data.data(), static_cast<int>(data.size()));
  CMS_ContentInfo* cms = CMS_sign(keys_->certificate, keys_->key, nullptr, content,
                                  CMS_DETACHED | CMS_BINARY | CMS_NOSMIMECAP);
  BIO_free(content);
  if (cms == nullptr) return Internal("ESIA_SIGNING", "OpenSSL could not sign the request");
  unsigned char* der = nullptr;
  const int length = i2d_CMS_ContentInfo(cms, &der);
  CMS_ContentInfo_free(cms);
  if (length <= 0) return Internal("ESIA_SIGNING", "OpenSSL could not encode the signature");
  std::string signature =
      Base64UrlEncode(absl::string_view(reinterpret_cast<const char*>(der), length));
  OPENSSL_free(der);
  return signature;
}

}  // namespace parta::identity::esia
