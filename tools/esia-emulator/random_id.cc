#include "tools/esia-emulator/random_id.h"

#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>

#include "libs/core/random.h"
#include "tools/esia-emulator/encoding.h"

namespace parta::esia_emulator {

std::string RandomId(size_t bytes) {
  std::string random(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(random.data()), static_cast<int>(bytes)) != 1) {
    std::fputs("esia-emulator: OpenSSL's random generator failed\n", stderr);
    std::abort();
  }
  return Base64UrlEncode(random);
}

}  // namespace parta::esia_emulator
