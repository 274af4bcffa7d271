#pragma once

// RSA or GOST R 34.10-2012 key pairs with self-signed certificates for tests of signatures
// (an ESIA client's client_secret, an identity provider's ID tokens), and the detached CMS
// signature an ESIA client sends as client_secret. Failures fail the calling test.

#include <string>

namespace parta::testing {

enum class KeyAlgorithm {
  kRsa,   // RSA-2048, certificate signed with SHA-256
  kGost,  // GOST R 34.10-2012 256-bit (parameter set A), signed with Streebog-256
};

struct CertificateFiles {
  std::string key_path;          // <folder>/key.pem: the private key, PKCS#8 PEM, unencrypted
  std::string certificate_path;  // <folder>/cert.pem: the certificate, PEM
  std::string certificate_der;   // the certificate's DER bytes
};

// Generates a key of `algorithm` and a self-signed X.509 v3 certificate for it (subject and
// issuer CN=`common_name`, valid from an hour ago for a year) and writes key.pem and cert.pem
// into `folder` (created when missing; existing files are replaced). GOST needs OpenSSL's GOST
// engine (libengine-gost-openssl), which it loads.
CertificateFiles WriteSelfSignedCertificate(const std::string& folder,
                                            const std::string& common_name = "Parta test",
                                            KeyAlgorithm algorithm = KeyAlgorithm::kRsa);

// ESIA's client_secret over `data`: a CMS (PKCS#7) SignedData, detached (the content left out),
// SHA-256, DER, signed with the key in `key_pem_path` under the certificate in `cert_pem_path`
// (included in the CMS), encoded as base64url without padding.
std::string SignDetachedCms(const std::string& key_pem_path, const std::string& cert_pem_path,
                            const std::string& data);

}  // namespace parta::testing
