// The signer of ESIA requests: its client_secret is a detached CMS SignedData that OpenSSL itself
// verifies over the signed text, with the digest of the key's family (Streebog-256 for GOST
// R 34.10-2012 as in production, SHA-256 for RSA), and its client_certificate_hash is the
// certificate's digest in the same family.
#include "services/identity/esia/request_signer.h"

#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "libs/core/random.h"
#include "libs/core/status.h"
#include "libs/testing/certificates.h"

namespace parta::identity::esia {
namespace {

using parta::testing::CertificateFiles;
using parta::testing::KeyAlgorithm;

// A fresh folder, removed with the test.
struct Folder {
  std::string path = (std::filesystem::temp_directory_path() /
                      absl::StrCat("parta-signer-", absl::BytesToHexString(RandomBytes(6))))
                         .string();
  ~Folder() { std::filesystem::remove_all(path); }
};

std::string HexDigest(const std::string& bytes, const EVP_MD* md) {
  REQUIRE(md != nullptr);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  REQUIRE(EVP_Digest(bytes.data(), bytes.size(), digest, &length, md, nullptr) == 1);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(digest), length));
}

// What OpenSSL finds in a client_secret: whether it verifies over `content` against the
// certificate `der`, and the digest algorithm its signer used.
struct Verification {
  bool verified = false;
  bool detached = false;
  int digest_nid = NID_undef;
};

Verification VerifyWithOpenSsl(const std::string& client_secret, const std::string& content,
                               const std::string& der) {
  std::optional<std::string> cms_der = Base64UrlDecode(client_secret);
  REQUIRE(cms_der.has_value());
  const auto* cursor = reinterpret_cast<const unsigned char*>(cms_der->data());
  std::unique_ptr<CMS_ContentInfo, decltype(&CMS_ContentInfo_free)> cms(
      d2i_CMS_ContentInfo(nullptr, &cursor, static_cast<long>(cms_der->size())),
      CMS_ContentInfo_free);
  REQUIRE(cms);
  const auto* der_cursor = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<X509, decltype(&X509_free)> certificate(
      d2i_X509(nullptr, &der_cursor, static_cast<long>(der.size())), X509_free);
  REQUIRE(certificate);
  std::unique_ptr<STACK_OF(X509), void (*)(STACK_OF(X509)*)> offered(
      sk_X509_new_null(), [](STACK_OF(X509)* stack) { sk_X509_free(stack); });
  sk_X509_push(offered.get(), certificate.get());
  std::unique_ptr<BIO, decltype(&BIO_free)> data(
      BIO_new_mem_buf(content.data(), static_cast<int>(content.size())), BIO_free);

  Verification out;
  out.detached = CMS_is_detached(cms.get()) == 1;
  out.verified = CMS_verify(cms.get(), offered.get(), nullptr, data.get(), nullptr,
                            CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) == 1;
  STACK_OF(CMS_SignerInfo)* signers = CMS_get0_SignerInfos(cms.get());
  REQUIRE(sk_CMS_SignerInfo_num(signers) == 1);
  X509_ALGOR* digest = nullptr;
  CMS_SignerInfo_get0_algs(sk_CMS_SignerInfo_value(signers, 0), nullptr, nullptr, &digest,
                           nullptr);
  REQUIRE(digest != nullptr);
  const ASN1_OBJECT* digest_oid = nullptr;
  X509_ALGOR_get0(&digest_oid, nullptr, nullptr, digest);
  out.digest_nid = OBJ_obj2nid(digest_oid);
  return out;
}

constexpr char kSigned[] = "PARTAopenid fullname2026.12.07 17:00:00 +0000"
                           "0f8b2c1e-6d8a-4c55-9d3e-0b4c7d1e2f3ahttp://127.0.0.1/esia/return";

void ChecksOut(KeyAlgorithm algorithm, int digest_nid) {
  Folder folder;
  const CertificateFiles files =
      parta::testing::WriteSelfSignedCertificate(folder.path, "Parta ESIA client", algorithm);
  auto signer = RequestSigner::FromFiles(files.key_path, files.certificate_path);
  INFO(signer.status().message());
  REQUIRE(signer.ok());
  CHECK((*signer)->certificate_hash() ==
        HexDigest(files.certificate_der, EVP_get_digestbynid(digest_nid)));

  auto secret = (*signer)->Sign(kSigned);
  REQUIRE(secret.ok());
  const Verification good = VerifyWithOpenSsl(*secret, kSigned, files.certificate_der);
  CHECK(good.detached);
  CHECK(good.verified);
  CHECK(good.digest_nid == digest_nid);
  // The same signature over anything else does not verify.
  CHECK_FALSE(VerifyWithOpenSsl(*secret, absl::StrCat(kSigned, "x"), files.certificate_der)
                  .verified);
  // Two signatures of one text are both good (GOST's and the CMS's randomness differ).
  auto again = (*signer)->Sign(kSigned);
  REQUIRE(again.ok());
  CHECK(VerifyWithOpenSsl(*again, kSigned, files.certificate_der).verified);
}

TEST_CASE("A GOST R 34.10-2012 key signs ESIA requests that OpenSSL verifies with Streebog",
          "[esia][signer]") {
  ChecksOut(KeyAlgorithm::kGost, NID_id_GostR3411_2012_256);
}

TEST_CASE("An RSA key signs ESIA requests that OpenSSL verifies with SHA-256", "[esia][signer]") {
  ChecksOut(KeyAlgorithm::kRsa, NID_sha256);
}

TEST_CASE("A signer is refused keys it cannot read or that are not its certificate's",
          "[esia][signer]") {
  Folder folder;
  const CertificateFiles gost = parta::testing::WriteSelfSignedCertificate(
      folder.path + "/gost", "GOST", KeyAlgorithm::kGost);
  const CertificateFiles rsa = parta::testing::WriteSelfSignedCertificate(folder.path + "/rsa");
  CHECK(ReasonOf(RequestSigner::FromFiles(rsa.key_path, gost.certificate_path).status()) ==
        "ESIA_KEYS");
  CHECK(ReasonOf(RequestSigner::FromFiles(gost.key_path, rsa.certificate_path).status()) ==
        "ESIA_KEYS");
  CHECK(ReasonOf(RequestSigner::FromFiles(folder.path + "/none.pem", rsa.certificate_path)
                     .status()) == "ESIA_KEYS");
  CHECK(ReasonOf(RequestSigner::FromFiles(rsa.key_path, rsa.key_path).status()) == "ESIA_KEYS");
}

}  // namespace
}  // namespace parta::identity::esia
