#include "libs/testing/certificates.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "libs/auth/certificate.h"
#include "libs/auth/gost.h"
#include "libs/core/random.h"

namespace parta::testing {
namespace {

struct Free {
  void operator()(BIO* bio) const { BIO_free(bio); }
  void operator()(X509* certificate) const { X509_free(certificate); }
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
  void operator()(CMS_ContentInfo* cms) const { CMS_ContentInfo_free(cms); }
};
template <class T>
using Ptr = std::unique_ptr<T, Free>;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

// The contents of a memory BIO.
std::string BioText(BIO* bio) {
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(length));
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  REQUIRE(out);
}

// A new GOST R 34.10-2012 256-bit key on the parameter set A.
Ptr<EVP_PKEY> NewGostKey() {
  const absl::Status gost = auth::EnableGostAlgorithms();
  INFO(gost.message());
  REQUIRE(gost.ok());
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> context(
      EVP_PKEY_CTX_new_id(NID_id_GostR3410_2012_256, nullptr), EVP_PKEY_CTX_free);
  REQUIRE(context);
  REQUIRE(EVP_PKEY_keygen_init(context.get()) == 1);
  REQUIRE(EVP_PKEY_CTX_ctrl_str(context.get(), "paramset", "A") > 0);
  EVP_PKEY* key = nullptr;
  const bool made = EVP_PKEY_keygen(context.get(), &key) == 1;
  INFO(auth::TakeOpenSslErrors());
  REQUIRE(made);
  return Ptr<EVP_PKEY>(key);
}

}  // namespace

CertificateFiles WriteSelfSignedCertificate(const std::string& folder,
                                            const std::string& common_name,
                                            KeyAlgorithm algorithm) {
  std::filesystem::create_directories(folder);
  const bool gost = algorithm == KeyAlgorithm::kGost;
  Ptr<EVP_PKEY> key = gost ? NewGostKey() : Ptr<EVP_PKEY>(EVP_RSA_gen(2048));
  INFO(auth::TakeOpenSslErrors());
  REQUIRE(key);

  Ptr<X509> certificate(X509_new());
  REQUIRE(certificate);
  X509* cert = certificate.get();
  REQUIRE(X509_set_version(cert, 2) == 1);  // v3
  // A random positive serial, so that two test certificates never share issuer and serial.
  const std::string serial_bytes = RandomBytes(16);
  BIGNUM* serial_number =
      BN_bin2bn(reinterpret_cast<const unsigned char*>(serial_bytes.data()), 16, nullptr);
  REQUIRE(serial_number);
  BN_set_negative(serial_number, 0);
  REQUIRE(BN_to_ASN1_INTEGER(serial_number, X509_get_serialNumber(cert)) != nullptr);
  BN_free(serial_number);
  REQUIRE(X509_gmtime_adj(X509_getm_notBefore(cert), -3600) != nullptr);
  REQUIRE(X509_gmtime_adj(X509_getm_notAfter(cert), 365L * 24 * 3600) != nullptr);
  X509_NAME* name = X509_get_subject_name(cert);
  REQUIRE(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(common_name.c_str()),
                                     -1, -1, 0) == 1);
  REQUIRE(X509_set_issuer_name(cert, name) == 1);
  REQUIRE(X509_set_pubkey(cert, key.get()) == 1);
  const EVP_MD* digest = gost ? EVP_get_digestbynid(NID_id_GostR3411_2012_256) : EVP_sha256();
  REQUIRE(digest);
  REQUIRE(X509_sign(cert, key.get(), digest) > 0);

  Ptr<BIO> key_pem(BIO_new(BIO_s_mem()));
  Ptr<BIO> cert_pem(BIO_new(BIO_s_mem()));
  REQUIRE(key_pem);
  REQUIRE(cert_pem);
  REQUIRE(PEM_write_bio_PrivateKey(key_pem.get(), key.get(), nullptr, nullptr, 0, nullptr,
                                   nullptr) == 1);
  REQUIRE(PEM_write_bio_X509(cert_pem.get(), cert) == 1);
  unsigned char* der = nullptr;
  const int der_length = i2d_X509(cert, &der);
  REQUIRE(der_length > 0);

  CertificateFiles files{.key_path = folder + "/key.pem",
                         .certificate_path = folder + "/cert.pem",
                         .certificate_der = std::string(reinterpret_cast<const char*>(der),
                                                        static_cast<size_t>(der_length))};
  OPENSSL_free(der);
  WriteFile(files.key_path, BioText(key_pem.get()));
  WriteFile(files.certificate_path, BioText(cert_pem.get()));
  return files;
}

std::string SignDetachedCms(const std::string& key_pem_path, const std::string& cert_pem_path,
                            const std::string& data) {
  const std::string key_text = ReadFile(key_pem_path);
  const std::string cert_text = ReadFile(cert_pem_path);
  Ptr<BIO> key_bio(BIO_new_mem_buf(key_text.data(), static_cast<int>(key_text.size())));
  Ptr<BIO> cert_bio(BIO_new_mem_buf(cert_text.data(), static_cast<int>(cert_text.size())));
  REQUIRE(key_bio);
  REQUIRE(cert_bio);
  Ptr<EVP_PKEY> key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  Ptr<X509> certificate(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  INFO(auth::TakeOpenSslErrors());
  REQUIRE(key);
  REQUIRE(certificate);

  Ptr<BIO> content(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
  REQUIRE(content);
  Ptr<CMS_ContentInfo> cms(
      CMS_sign(certificate.get(), key.get(), nullptr, content.get(), CMS_DETACHED | CMS_BINARY));
  INFO(auth::TakeOpenSslErrors());
  REQUIRE(cms);
  Ptr<BIO> der(BIO_new(BIO_s_mem()));
  REQUIRE(der);
  REQUIRE(i2d_CMS_bio(der.get(), cms.get()) == 1);
  return Base64UrlEncode(BioText(der.get()));
}

}  // namespace parta::testing
