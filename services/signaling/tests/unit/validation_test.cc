#include "services/signaling/domain/validation.h"

#include <catch2/catch.hpp>

#include "libs/core/status.h"

namespace parta::signaling {
namespace {

v1::SessionDescription Sdp(v1::SdpType type, std::string sdp) {
  v1::SessionDescription description;
  description.set_type(type);
  description.set_sdp(std::move(sdp));
  return description;
}

v1::IceCandidate Candidate(std::string line, bool end = false) {
  v1::IceCandidate candidate;
  candidate.set_candidate(std::move(line));
  candidate.set_sdp_mid("0");
  candidate.set_end_of_candidates(end);
  return candidate;
}

std::string ReasonFor(const absl::Status& status) { return ReasonOf(status); }

TEST_CASE("Session descriptions: offers and answers of SDP text, nothing else",
          "[signaling][unit]") {
  const std::string sdp = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";
  CHECK(CheckSessionDescription(Sdp(v1::SDP_TYPE_OFFER, sdp)).ok());
  CHECK(CheckSessionDescription(Sdp(v1::SDP_TYPE_ANSWER, sdp), v1::SDP_TYPE_ANSWER).ok());
  CHECK(ReasonFor(CheckSessionDescription(Sdp(v1::SDP_TYPE_OFFER, sdp), v1::SDP_TYPE_ANSWER)) ==
        "INVALID_SDP");
  CHECK(ReasonFor(CheckSessionDescription(Sdp(v1::SDP_TYPE_UNSPECIFIED, sdp))) == "INVALID_SDP");
  CHECK(ReasonFor(CheckSessionDescription(Sdp(v1::SDP_TYPE_OFFER, "hello"))) == "INVALID_SDP");
  CHECK(ReasonFor(CheckSessionDescription(Sdp(v1::SDP_TYPE_OFFER, ""))) == "INVALID_SDP");
  CHECK(ReasonFor(CheckSessionDescription(
            Sdp(v1::SDP_TYPE_OFFER, sdp + std::string(kMaxSdpBytes, 'a')))) == "INVALID_SDP");
  CHECK(ReasonFor(CheckSessionDescription(
            Sdp(v1::SDP_TYPE_OFFER, sdp + std::string("a=x\0y\r\n", 7)))) == "INVALID_SDP");
  CHECK(ReasonFor(CheckSessionDescription(Sdp(v1::SDP_TYPE_OFFER, sdp + "\xff\xfe"))) ==
        "INVALID_SDP");
}

TEST_CASE("ICE candidates: one candidate line, or the end of them", "[signaling][unit]") {
  CHECK(CheckIceCandidate(
            Candidate("candidate:1 1 udp 2122260223 192.0.2.2 50000 typ host generation 0"))
            .ok());
  CHECK(CheckIceCandidate(Candidate("", true)).ok());
  CHECK(ReasonFor(CheckIceCandidate(Candidate(""))) == "INVALID_CANDIDATE");
  CHECK(ReasonFor(CheckIceCandidate(Candidate("candidate:1 1 udp", true))) == "INVALID_CANDIDATE");
  CHECK(ReasonFor(CheckIceCandidate(Candidate("a=candidate:1"))) == "INVALID_CANDIDATE");
  CHECK(ReasonFor(CheckIceCandidate(Candidate("candidate:1\r\na=inject"))) ==
        "INVALID_CANDIDATE");
  CHECK(ReasonFor(CheckIceCandidate(Candidate("candidate:" + std::string(2000, '1')))) ==
        "INVALID_CANDIDATE");
  v1::IceCandidate far = Candidate("candidate:1 1 udp 1 192.0.2.2 1 typ host");
  far.set_sdp_m_line_index(64);
  CHECK(ReasonFor(CheckIceCandidate(far)) == "INVALID_CANDIDATE");
}

TEST_CASE("Ids are UUIDs", "[signaling][unit]") {
  CHECK(CheckId("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "INVALID_CALL_ID", "call_id").ok());
  CHECK(ReasonFor(CheckId("../etc", "INVALID_CALL_ID", "call_id")) == "INVALID_CALL_ID");
}

}  // namespace
}  // namespace parta::signaling
