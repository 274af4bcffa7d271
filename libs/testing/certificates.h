#pragma once

// RSA key pairs with self-signed certificates for tests of signatures (an ESIA client's
// client_secret, an identity provider's ID tokens), and the detached CMS signature an ESIA
// client sends as client_secret. Failures fail the calling test.

#include <string>

namespace parta::testing {

struct CertificateFiles {
  std::string key_path;          // <folder>/key.pem: the private key, PKCS#8 PEM, unencrypted
  std::string certificate_path;  // <folder>/cert.pem: the certificate, PEM
  std::string certificate_der;   // the certificate's DER bytes
};

// Generates an RSA-2048 key and a self-signed X.509 v3 certificate for it (subject and issuer
// CN=`common_name`, valid from an hour ago for a year, SHA-256) and writes key.pem and cert.pem
// into `folder` (created when missing; existing files are replaced).
CertificateFiles WriteSelfSignedCertificate(const std::string& folder,
                                            const std::string& common_name = "Parta test");

// ESIA's client_secret over `data`: a CMS (PKCS#7) SignedData, detached (the content left out),
// SHA-256, DER, signed with the key in `key_pem_path` under the certificate in `cert_pem_path`
// (included in the CMS), encoded as base64url without padding.
std::string SignDetachedCms(const std::string& key_pem_path, const std::string& cert_pem_path,
                            const std::string& data);

}  // namespace parta::testing
