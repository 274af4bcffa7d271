#include "services/identity/adapters/master_key.h"

#include <sodium.h>

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "libs/core/random.h"
#include "libs/core/status.h"

namespace parta::identity {
namespace {

const unsigned char* Bytes(absl::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

}  // namespace

absl::StatusOr<MasterKey> MasterKey::FromFile(const std::string& path) {
  std::ifstream file(path);
  if (!file) {
    return Error(absl::StatusCode::kFailedPrecondition, "MASTER_KEY_UNREADABLE",
                 "cannot read the master key file " + path);
  }
  std::stringstream text;
  text << file.rdbuf();
  return FromHex(absl::StripAsciiWhitespace(text.str()));
}

absl::StatusOr<MasterKey> MasterKey::FromHex(absl::string_view hex) {
  if (sodium_init() < 0) return Internal("SODIUM_INIT_FAILED", "libsodium failed to start");
  bool valid = hex.size() == 64;
  for (char c : hex) valid = valid && absl::ascii_isxdigit(static_cast<unsigned char>(c));
  if (!valid) {
    return Error(absl::StatusCode::kFailedPrecondition, "MASTER_KEY_INVALID",
                 "the master key must be 64 hexadecimal characters (32 bytes)");
  }
  return MasterKey(absl::HexStringToBytes(hex));
}

std::string MasterKey::Seal(absl::string_view plaintext, absl::string_view context) const {
  std::string nonce = RandomBytes(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  std::string out = nonce;
  out.resize(nonce.size() + plaintext.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES);
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      reinterpret_cast<unsigned char*>(out.data() + nonce.size()), &written, Bytes(plaintext),
      plaintext.size(), Bytes(context), context.size(), nullptr, Bytes(nonce), Bytes(key_));
  out.resize(nonce.size() + written);
  return out;
}

absl::StatusOr<std::string> MasterKey::Open(absl::string_view sealed,
                                            absl::string_view context) const {
  constexpr size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  auto corrupt = [] {
    return Error(absl::StatusCode::kDataLoss, "SEALED_SECRET_CORRUPT",
                 "a sealed secret does not open with this master key");
  };
  if (sealed.size() < kNonce + crypto_aead_xchacha20poly1305_ietf_ABYTES) return corrupt();
  std::string out(sealed.size() - kNonce, '\0');
  unsigned long long written = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(out.data()), &written, nullptr,
          Bytes(sealed.substr(kNonce)), sealed.size() - kNonce, Bytes(context), context.size(),
          Bytes(sealed.substr(0, kNonce)), Bytes(key_)) != 0) {
    return corrupt();
  }
  out.resize(written);
  return out;
}

std::string MasterKey::DeriveSubkey(absl::string_view purpose) const {
  unsigned char out[32];
  crypto_generichash(out, sizeof(out), Bytes(purpose), purpose.size(), Bytes(key_), key_.size());
  return std::string(reinterpret_cast<char*>(out), sizeof(out));
}

}  // namespace parta::identity
