#include "libs/auth/ed25519.h"

#include <openssl/evp.h>
#include <sodium.h>

#include <cstdlib>

#include "libs/core/status.h"

namespace parta::auth {
namespace {

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

const unsigned char* Bytes(absl::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

}  // namespace

void PkeyDeleter::operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }

absl::StatusOr<Ed25519PublicKey> Ed25519PublicKey::FromRaw(absl::string_view raw) {
  if (raw.size() != crypto_sign_PUBLICKEYBYTES) {
    return InvalidArgument("INVALID_KEY", "an Ed25519 key is 32 bytes");
  }
  if (sodium_init() < 0 || crypto_core_ed25519_is_valid_point(Bytes(raw)) != 1) {
    return InvalidArgument("INVALID_KEY", "not an Ed25519 public key");
  }
  return Ed25519PublicKey(std::string(raw));
}

bool Ed25519PublicKey::Verify(absl::string_view message, absl::string_view signature) const {
  if (signature.size() != crypto_sign_BYTES) return false;
  return crypto_sign_verify_detached(Bytes(signature), Bytes(message), message.size(),
                                     Bytes(raw_)) == 0;
}

Ed25519PrivateKey Ed25519PrivateKey::Generate() {
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!key) std::abort();  // OpenSSL without Ed25519 cannot run this service at all
  return Ed25519PrivateKey(std::move(key));
}

absl::StatusOr<Ed25519PrivateKey> Ed25519PrivateKey::FromRaw(absl::string_view raw) {
  if (raw.size() != 32) return InvalidArgument("INVALID_KEY", "an Ed25519 key is 32 bytes");
  PkeyPtr key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, Bytes(raw), raw.size()));
  if (!key) return InvalidArgument("INVALID_KEY", "not an Ed25519 private key");
  return Ed25519PrivateKey(std::move(key));
}

std::string Ed25519PrivateKey::Sign(absl::string_view message) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  std::string signature(64, '\0');
  size_t size = signature.size();
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                     Bytes(message), message.size()) != 1) {
    std::abort();  // signing with a valid key cannot fail
  }
  return signature;
}

std::string Ed25519PrivateKey::RawPrivate() const {
  std::string out(32, '\0');
  size_t size = out.size();
  EVP_PKEY_get_raw_private_key(key_.get(), reinterpret_cast<unsigned char*>(out.data()), &size);
  return out;
}

std::string Ed25519PrivateKey::RawPublic() const {
  std::string out(32, '\0');
  size_t size = out.size();
  EVP_PKEY_get_raw_public_key(key_.get(), reinterpret_cast<unsigned char*>(out.data()), &size);
  return out;
}

Ed25519PublicKey Ed25519PrivateKey::PublicKey() const {
  return *Ed25519PublicKey::FromRaw(RawPublic());
}

}  // namespace parta::auth
