#include "tools/esia-emulator/id_token_signer.h"

#include <openssl/pem.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "libs/auth/gost.h"
#include "libs/core/random.h"
#include "libs/core/status.h"
#include "nlohmann/json.hpp"
#include "tools/esia-emulator/encoding.h"

namespace parta::esia_emulator {

IdTokenSigner::IdTokenSigner(OpenSslPtr<EVP_PKEY> key, std::string key_id, std::string algorithm,
                             const EVP_MD* digest)
    : key_(std::move(key)),
      key_id_(std::move(key_id)),
      algorithm_(std::move(algorithm)),
      digest_(digest) {}

absl::StatusOr<IdTokenSigner> IdTokenSigner::Load(const std::string& pem_path) {
  (void)auth::EnableGostAlgorithms();  // for a GOST key
  ASSIGN_OR_RETURN(const std::string pem, ReadSmallFile(pem_path));
  OpenSslPtr<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  OpenSslPtr<EVP_PKEY> key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                               : nullptr);
  if (!key) {
    return InvalidArgument(
        "BAD_SIGNING_KEY",
        absl::StrCat(pem_path, " holds no PEM private key: ", TakeOpenSslErrors(),
                     auth::GostUnavailableSuffix()));
  }
  std::optional<auth::JwtAlgorithm> algorithm = auth::JwtAlgorithmOf(key.get());
  if (!algorithm || algorithm->name == "GOST3410_2012_512") {
    return InvalidArgument(
        "BAD_SIGNING_KEY",
        absl::StrCat(pem_path, " is neither an RSA nor a GOST R 34.10-2012 256-bit key"));
  }
  unsigned char* der = nullptr;
  const int length = i2d_PUBKEY(key.get(), &der);
  if (length <= 0) {
    return InvalidArgument("BAD_SIGNING_KEY",
                           absl::StrCat("cannot encode the public key of ", pem_path));
  }
  const std::string public_der(reinterpret_cast<const char*>(der), static_cast<size_t>(length));
  OPENSSL_free(der);
  return IdTokenSigner(std::move(key), Sha256Hex(public_der).substr(0, 16),
                       std::move(algorithm->name), algorithm->digest);
}

absl::StatusOr<std::string> IdTokenSigner::Sign(absl::string_view claims_json) const {
  nlohmann::ordered_json header;
  header["alg"] = algorithm_;
  header["typ"] = "JWT";
  header["kid"] = key_id_;
  const std::string signing_input =
      absl::StrCat(Base64UrlEncode(header.dump()), ".", Base64UrlEncode(claims_json));

  OpenSslPtr<EVP_MD_CTX> context(EVP_MD_CTX_new());
  size_t length = 0;
  if (!context ||
      EVP_DigestSignInit(context.get(), nullptr, digest_, nullptr, key_.get()) != 1 ||
      EVP_DigestSign(context.get(), nullptr, &length,
                     reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1) {
    return Internal("SIGNING_FAILED",
                    absl::StrCat("cannot sign an ID token: ", TakeOpenSslErrors()));
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1) {
    return Internal("SIGNING_FAILED",
                    absl::StrCat("cannot sign an ID token: ", TakeOpenSslErrors()));
  }
  signature.resize(length);
  return absl::StrCat(signing_input, ".", Base64UrlEncode(signature));
}

}  // namespace parta::esia_emulator
