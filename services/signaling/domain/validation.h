#pragma once

// Checks of what clients send for calls: ids, session descriptions and ICE candidates. Pure
// functions; the reasons are the API's.

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "parta/signaling/v1/model.pb.h"

namespace parta::signaling {

inline constexpr size_t kMaxSdpBytes = 64 * 1024;
inline constexpr size_t kMaxCandidateBytes = 1024;
inline constexpr int kMaxTrickleCandidates = 50;
// A guest link's code: Crockford's base32, 130 random bits.
inline constexpr size_t kGuestCodeLength = 26;

// INVALID_ARGUMENT `reason` unless `id` is a UUID.
absl::Status CheckId(absl::string_view id, absl::string_view reason, absl::string_view what);

// An offer or an answer, as `expected` says (SDP_TYPE_UNSPECIFIED: either): at most 64 KiB of
// UTF-8 without NUL, starting "v=0" (INVALID_ARGUMENT `INVALID_SDP`).
absl::Status CheckSessionDescription(const v1::SessionDescription& description,
                                     v1::SdpType expected = v1::SDP_TYPE_UNSPECIFIED);

// A candidate line ("candidate:…", at most 1 KiB, one line of printable ASCII), or the end of
// candidates with an empty line (INVALID_ARGUMENT `INVALID_CANDIDATE`).
absl::Status CheckIceCandidate(const v1::IceCandidate& candidate);

// A guest link's code as typed (spaces, dashes and case forgiven), normalised
// (INVALID_ARGUMENT `INVALID_CODE`).
absl::StatusOr<std::string> CheckGuestCode(absl::string_view code);
// What is kept of a normalised code: its SHA-256.
std::string HashGuestCode(absl::string_view code);

}  // namespace parta::signaling
