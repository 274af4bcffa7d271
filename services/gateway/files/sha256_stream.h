#pragma once

// SHA-256 of bytes that arrive in pieces (OpenSSL), for checksummed tus uploads.

#include <memory>
#include <string>

#include "absl/strings/string_view.h"

namespace parta::gateway {

class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;

  void Update(absl::string_view bytes);
  // The 32-byte digest of everything given; the stream starts over.
  std::string Finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace parta::gateway
