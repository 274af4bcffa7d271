#pragma once

// An SDP offer of a browser's shape for tests and benchmarks of the SFU: no Catch2 here, so the
// benchmarks link it too.

#include <string>

namespace parta::testing {

// An SDP offer of a browser's shape (audio mid 0 Opus, video mid 1 VP8, sendonly, a fresh DTLS
// fingerprint), made by hand: Janus negotiates it, though no media will ever flow.
std::string HandMadeSdpOffer();

}  // namespace parta::testing
