#pragma once

// Unguessable identifiers (pending requests, codes, tokens, session ids) from OpenSSL's CSPRNG.

#include <cstddef>
#include <string>

namespace parta::esia_emulator {

// `bytes` random bytes as base64url without padding. Aborts if OpenSSL cannot supply them
// (never in practice): an emulator that hands out guessable codes must not keep running.
std::string RandomId(size_t bytes = 32);

}  // namespace parta::esia_emulator
