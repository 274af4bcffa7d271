#include "services/gateway/files/sha256_stream.h"

#include <openssl/evp.h>

#include <cstdlib>

#include "libs/core/log.h"

namespace parta::gateway {

struct Sha256Stream::State {
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  ~State() { EVP_MD_CTX_free(context); }
};

namespace {

// The digest context failing means OpenSSL is broken (out of memory): nothing sensible is left.
void Check(bool ok) {
  if (!ok) {
    log::Error("OpenSSL's SHA-256 failed");
    std::abort();
  }
}

}  // namespace

Sha256Stream::Sha256Stream() : state_(std::make_unique<State>()) {
  Check(state_->context != nullptr &&
        EVP_DigestInit_ex(state_->context, EVP_sha256(), nullptr) == 1);
}

Sha256Stream::~Sha256Stream() = default;

void Sha256Stream::Update(absl::string_view bytes) {
  Check(EVP_DigestUpdate(state_->context, bytes.data(), bytes.size()) == 1);
}

std::string Sha256Stream::Finish() {
  std::string digest(EVP_MAX_MD_SIZE, '\0');
  unsigned int size = 0;
  Check(EVP_DigestFinal_ex(state_->context, reinterpret_cast<unsigned char*>(digest.data()),
                           &size) == 1);
  digest.resize(size);
  Check(EVP_DigestInit_ex(state_->context, EVP_sha256(), nullptr) == 1);
  return digest;
}

}  // namespace parta::gateway
