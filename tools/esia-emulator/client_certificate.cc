#include "tools/esia-emulator/client_certificate.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "libs/auth/gost.h"
#include "libs/core/status.h"
#include "tools/esia-emulator/encoding.h"

namespace parta::esia_emulator {
namespace {

absl::Status Refused(absl::string_view why) {
  return Unauthenticated("BAD_CLIENT_SECRET", absl::StrCat("client_secret refused: ", why));
}

// The DER encoding of `certificate`; "" if it cannot be encoded.
std::string DerOf(X509* certificate) {
  unsigned char* der = nullptr;
  const int length = i2d_X509(certificate, &der);
  if (length <= 0) return "";
  std::string out(reinterpret_cast<const char*>(der), static_cast<size_t>(length));
  OPENSSL_free(der);
  return out;
}

}  // namespace

ClientCertificate::ClientCertificate(OpenSslPtr<X509> certificate, std::string der)
    : certificate_(std::move(certificate)),
      der_(std::move(der)),
      hash_(auth::CertificateHashHex(certificate_.get())) {}

absl::StatusOr<ClientCertificate> ClientCertificate::Load(const std::string& pem_path) {
  // A system registered with a GOST certificate, as in production, signs with GOST.
  (void)auth::EnableGostAlgorithms();
  ASSIGN_OR_RETURN(const std::string pem, ReadSmallFile(pem_path));
  OpenSslPtr<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  OpenSslPtr<X509> certificate(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)
                                   : nullptr);
  if (!certificate) {
    return InvalidArgument(
        "BAD_CERTIFICATE",
        absl::StrCat(pem_path, " holds no PEM certificate: ", TakeOpenSslErrors()));
  }
  std::string der = DerOf(certificate.get());
  if (der.empty()) {
    return InvalidArgument("BAD_CERTIFICATE",
                           absl::StrCat("cannot encode the certificate in ", pem_path));
  }
  // A GOST certificate parses without the engine, but its key cannot be read.
  if (auth::CertificateHashHex(certificate.get()).empty()) {
    return InvalidArgument("BAD_CERTIFICATE",
                           absl::StrCat("cannot read the key of the certificate in ", pem_path,
                                        auth::GostUnavailableSuffix()));
  }
  return ClientCertificate(std::move(certificate), std::move(der));
}

absl::Status ClientCertificate::Verify(absl::string_view data,
                                       absl::string_view client_secret) const {
  const std::optional<std::string> der = DecodeBase64Url(client_secret);
  if (!der || der->empty()) return Refused("not base64url");
  const auto* cursor = reinterpret_cast<const unsigned char*>(der->data());
  OpenSslPtr<CMS_ContentInfo> cms(
      d2i_CMS_ContentInfo(nullptr, &cursor, static_cast<long>(der->size())));
  if (!cms) {
    ERR_clear_error();
    return Refused("not a DER CMS structure");
  }
  if (OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed) {
    return Refused("not a CMS SignedData");
  }
  if (CMS_is_detached(cms.get()) != 1) return Refused("the signature is not detached");

  // The registered certificate is offered first: a CMS that carries none is verified against it,
  // and one that carries another certificate is caught by the signer check below.
  OpenSslPtr<STACK_OF(X509)> offered(sk_X509_new_null());
  if (!offered || sk_X509_push(offered.get(), certificate_.get()) <= 0) {
    return Internal("OUT_OF_MEMORY", "cannot build a certificate list");
  }
  OpenSslPtr<BIO> content(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
  if (!content) return Internal("OUT_OF_MEMORY", "cannot wrap the signed data");
  if (CMS_verify(cms.get(), offered.get(), nullptr, content.get(), nullptr,
                 CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) != 1) {
    return Refused(absl::StrCat("the signature does not verify (", TakeOpenSslErrors(), ")"));
  }
  OpenSslPtr<STACK_OF(X509)> signers(CMS_get0_signers(cms.get()));
  if (!signers || sk_X509_num(signers.get()) == 0) return Refused("no signer");
  for (int i = 0; i < sk_X509_num(signers.get()); ++i) {
    if (DerOf(sk_X509_value(signers.get(), i)) != der_) {
      return Refused("signed under a certificate other than the registered one");
    }
  }
  return absl::OkStatus();
}

}  // namespace parta::esia_emulator
