#include "tools/loadgen/wire/websocket.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace parta::loadgen {

std::string WebSocketUpgrade(absl::string_view path, absl::string_view protocols) {
  return absl::StrCat("GET ", path,
                      " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                      "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                      "Sec-WebSocket-Protocol: ",
                      protocols, "\r\n\r\n");
}

size_t ParseUpgradeAnswer(absl::string_view in, bool& accepted) {
  const size_t end = in.find("\r\n\r\n");
  if (end == absl::string_view::npos) return 0;
  accepted = absl::StartsWith(in, "HTTP/1.1 101");
  return end + 4;
}

std::string ClientFrame(Opcode opcode, absl::string_view payload, uint32_t mask) {
  std::string frame;
  frame.reserve(payload.size() + 14);
  frame.push_back(static_cast<char>(0x80 | static_cast<uint8_t>(opcode)));
  const size_t size = payload.size();
  if (size < 126) {
    frame.push_back(static_cast<char>(0x80 | size));
  } else if (size <= 0xffff) {
    frame.push_back(static_cast<char>(0x80 | 126));
    frame.push_back(static_cast<char>(size >> 8));
    frame.push_back(static_cast<char>(size & 0xff));
  } else {
    frame.push_back(static_cast<char>(0x80 | 127));
    for (int shift = 56; shift >= 0; shift -= 8) {
      frame.push_back(static_cast<char>((static_cast<uint64_t>(size) >> shift) & 0xff));
    }
  }
  const uint8_t key[4] = {static_cast<uint8_t>(mask >> 24), static_cast<uint8_t>(mask >> 16),
                          static_cast<uint8_t>(mask >> 8), static_cast<uint8_t>(mask)};
  frame.append(reinterpret_cast<const char*>(key), 4);
  for (size_t i = 0; i < size; ++i) {
    frame.push_back(static_cast<char>(static_cast<uint8_t>(payload[i]) ^ key[i % 4]));
  }
  return frame;
}

int64_t ParseServerFrame(absl::string_view in, ServerFrame& frame) {
  if (in.size() < 2) return 0;
  const auto first = static_cast<uint8_t>(in[0]);
  const auto second = static_cast<uint8_t>(in[1]);
  if ((first & 0x70) != 0 || (second & 0x80) != 0) return -1;
  frame.fin = (first & 0x80) != 0;
  frame.opcode = static_cast<Opcode>(first & 0x0f);
  uint64_t size = second & 0x7f;
  size_t header = 2;
  if (size == 126) {
    if (in.size() < 4) return 0;
    size = (static_cast<uint64_t>(static_cast<uint8_t>(in[2])) << 8) | static_cast<uint8_t>(in[3]);
    header = 4;
  } else if (size == 127) {
    if (in.size() < 10) return 0;
    size = 0;
    for (size_t i = 2; i < 10; ++i) size = (size << 8) | static_cast<uint8_t>(in[i]);
    header = 10;
  }
  if ((first & 0x08) != 0 && (size > 125 || !frame.fin)) return -1;  // control frames
  if (size > (uint64_t{1} << 30)) return -1;
  if (in.size() < header + size) return 0;
  frame.payload = in.substr(header, size);
  return static_cast<int64_t>(header + size);
}

}  // namespace parta::loadgen
