#pragma once

// The client side of RFC 6455, as much as a load generator needs: the upgrade request, masked
// frames to the server, and the server's (unmasked) frames.

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace parta::loadgen {

enum class Opcode : uint8_t {
  kContinuation = 0,
  kText = 1,
  kBinary = 2,
  kClose = 8,
  kPing = 9,
  kPong = 10,
};

// "GET `path`" asking to upgrade, offering `protocols` ("parta.v1, bearer.…").
std::string WebSocketUpgrade(absl::string_view path, absl::string_view protocols);

// The length of the upgrade answer at the front of `in` (through its blank line); 0 while it is
// incomplete. `accepted` tells whether it is a 101.
size_t ParseUpgradeAnswer(absl::string_view in, bool& accepted);

// A client frame: FIN set, payload masked with `mask`.
std::string ClientFrame(Opcode opcode, absl::string_view payload, uint32_t mask = 0x5a17c3e9);

struct ServerFrame {
  bool fin = false;
  Opcode opcode = Opcode::kText;
  absl::string_view payload;  // a view into the parsed buffer
};

// Parses one frame at the front of `in`: its length, 0 while incomplete, or -1 when the frame is
// not a valid server frame (masked, reserved bits, oversized control frame).
int64_t ParseServerFrame(absl::string_view in, ServerFrame& frame);

}  // namespace parta::loadgen
