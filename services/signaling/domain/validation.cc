#include "services/signaling/domain/validation.h"

#include <openssl/sha.h>

#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "libs/core/random.h"
#include "libs/core/status.h"
#include "libs/text/utf8.h"

namespace parta::signaling {
namespace {

bool PrintableAscii(absl::string_view text) {
  for (char c : text) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

}  // namespace

absl::Status CheckId(absl::string_view id, absl::string_view reason, absl::string_view what) {
  if (IsUuid(id)) return absl::OkStatus();
  return InvalidArgument(reason, absl::StrCat(what, " must be a UUID"));
}

absl::Status CheckSessionDescription(const v1::SessionDescription& description,
                                     v1::SdpType expected) {
  const std::string& sdp = description.sdp();
  if (description.type() != v1::SDP_TYPE_OFFER && description.type() != v1::SDP_TYPE_ANSWER) {
    return InvalidArgument("INVALID_SDP", "a session description is an offer or an answer");
  }
  if (expected != v1::SDP_TYPE_UNSPECIFIED && description.type() != expected) {
    return InvalidArgument("INVALID_SDP", expected == v1::SDP_TYPE_OFFER
                                              ? "an offer is expected here"
                                              : "an answer is expected here");
  }
  if (sdp.size() > kMaxSdpBytes) {
    return InvalidArgument("INVALID_SDP", "a session description is at most 64 KiB");
  }
  if (!absl::StartsWith(sdp, "v=0\r\n") && !absl::StartsWith(sdp, "v=0\n")) {
    return InvalidArgument("INVALID_SDP", "a session description starts with \"v=0\"");
  }
  if (absl::StrContains(sdp, absl::string_view("\0", 1)) || text::Utf8Length(sdp) < 0) {
    return InvalidArgument("INVALID_SDP", "a session description is UTF-8 text");
  }
  return absl::OkStatus();
}

absl::Status CheckIceCandidate(const v1::IceCandidate& candidate) {
  const std::string& line = candidate.candidate();
  if (candidate.sdp_mid().size() > 64 || !PrintableAscii(candidate.sdp_mid()) ||
      candidate.sdp_m_line_index() < 0 || candidate.sdp_m_line_index() > 63) {
    return InvalidArgument("INVALID_CANDIDATE", "sdp_mid or sdp_m_line_index is out of range");
  }
  if (line.empty()) {
    if (candidate.end_of_candidates()) return absl::OkStatus();
    return InvalidArgument("INVALID_CANDIDATE",
                           "a candidate needs its line, or end_of_candidates");
  }
  if (candidate.end_of_candidates()) {
    return InvalidArgument("INVALID_CANDIDATE", "end_of_candidates carries no candidate line");
  }
  if (line.size() > kMaxCandidateBytes || !absl::StartsWith(line, "candidate:") ||
      !PrintableAscii(line)) {
    return InvalidArgument("INVALID_CANDIDATE",
                           "a candidate is one line starting \"candidate:\", at most 1 KiB");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> CheckGuestCode(absl::string_view code) {
  std::optional<std::string> normalized = NormalizeCode(code, kGuestCodeLength);
  if (!normalized) {
    return InvalidArgument("INVALID_CODE", "a guest link's code has 26 letters and digits");
  }
  return *std::move(normalized);
}

std::string HashGuestCode(absl::string_view code) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(code.data()), code.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

}  // namespace parta::signaling
