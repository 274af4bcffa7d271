#include "libs/testing/sdp_offer.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "libs/core/random.h"

namespace parta::testing {

std::string HandMadeSdpOffer() {
  std::vector<std::string> fingerprint;
  for (unsigned char byte : RandomBytes(32)) fingerprint.push_back(absl::StrFormat("%02X", byte));
  const std::string fp = absl::StrJoin(fingerprint, ":");
  std::vector<std::string> lines = {"v=0",
                                    "o=- 4611731400430051336 2 IN IP4 127.0.0.1",
                                    "s=-",
                                    "t=0 0",
                                    "a=group:BUNDLE 0 1",
                                    "a=msid-semantic: WMS"};
  auto media = [&](const std::string& kind, const std::string& mid, const std::string& payload,
                   const std::string& rtpmap, const std::string& ssrc) {
    lines.insert(
        lines.end(),
        {absl::StrCat("m=", kind, " 9 UDP/TLS/RTP/SAVPF ", payload), "c=IN IP4 0.0.0.0",
         "a=ice-ufrag:abcd", "a=ice-pwd:abcdefghijklmnopqrstuvwx", "a=ice-options:trickle",
         absl::StrCat("a=fingerprint:sha-256 ", fp), "a=setup:actpass", absl::StrCat("a=mid:", mid),
         "a=sendonly", "a=rtcp-mux", absl::StrCat("a=rtpmap:", payload, " ", rtpmap),
         absl::StrCat("a=ssrc:", ssrc, " cname:parta")});
  };
  media("audio", "0", "111", "opus/48000/2", "1111");
  media("video", "1", "96", "VP8/90000", "2222");
  return absl::StrJoin(lines, "\r\n") + "\r\n";
}

}  // namespace parta::testing
