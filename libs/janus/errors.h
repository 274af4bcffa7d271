#pragma once

// The errors of the Janus client as absl::Status values with a stable reason (libs/core/status.h).
// Janus's own numeric code stays in the message ("janus error 458: No such session 123").
//
// reason                        code                  when
// JANUS_BAD_URL                 INVALID_ARGUMENT      a Janus URL in the settings is not http://…
// JANUS_UNAVAILABLE             UNAVAILABLE           Janus cannot be reached or dropped the line
// JANUS_TIMEOUT                 DEADLINE_EXCEEDED     no answer (or awaited event) in time
// JANUS_STOPPED                 CANCELLED             the session or client was stopped locally
// JANUS_BAD_RESPONSE            INTERNAL              an answer that is not the expected JSON
// JANUS_UNAUTHORIZED            INTERNAL              403/405: our api/admin secret is wrong
// JANUS_SESSION_NOT_FOUND       NOT_FOUND             458, or a long poll answered 404
// JANUS_HANDLE_NOT_FOUND        NOT_FOUND             459
// JANUS_PLUGIN_NOT_FOUND        NOT_FOUND             460
// JANUS_NOT_ACCEPTING_SESSIONS  UNAVAILABLE           472: Janus is draining
// JANUS_INVALID_JSEP            INVALID_ARGUMENT      464–466 (a bad jsep or trickle candidate),
//                                                     45x about the jsep; VideoRoom 431, 437
// JANUS_INVALID_REQUEST         INVALID_ARGUMENT      other malformed requests (45x, 421–423,
//                                                     429, 430)
// JANUS_WEBRTC_STATE            FAILED_PRECONDITION   469, 471: the PeerConnection is not in a
//                                                     state for this
// JANUS_ROOM_NOT_FOUND          NOT_FOUND             VideoRoom 426
// JANUS_ROOM_EXISTS             ALREADY_EXISTS        VideoRoom 427
// JANUS_FEED_NOT_FOUND          NOT_FOUND             VideoRoom 428 (no such feed or stream)
// JANUS_ROOM_FULL               RESOURCE_EXHAUSTED    VideoRoom 432 (publishers limit)
// JANUS_ROOM_UNAUTHORIZED       PERMISSION_DENIED     VideoRoom 433: wrong room secret or pin,
//                                                     token not in the allowed list
// JANUS_PARTICIPANT_EXISTS      ALREADY_EXISTS        VideoRoom 436 (participant id taken)
// JANUS_WRONG_STATE             FAILED_PRECONDITION   VideoRoom 424, 425, 434, 435 (join first,
//                                                     already joined/published, not published)
// JANUS_ERROR                   INTERNAL              anything else Janus reports

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace parta::janus {

// The first word of the reasons of errors from libs/http's client (JANUS_UNAVAILABLE, …).
inline constexpr char kHttpReasons[] = "JANUS";
inline constexpr absl::string_view kBadUrl = "JANUS_BAD_URL";
inline constexpr absl::string_view kUnavailable = "JANUS_UNAVAILABLE";
inline constexpr absl::string_view kTimeout = "JANUS_TIMEOUT";
inline constexpr absl::string_view kStopped = "JANUS_STOPPED";
inline constexpr absl::string_view kBadResponse = "JANUS_BAD_RESPONSE";
inline constexpr absl::string_view kUnauthorized = "JANUS_UNAUTHORIZED";
inline constexpr absl::string_view kSessionNotFound = "JANUS_SESSION_NOT_FOUND";
inline constexpr absl::string_view kHandleNotFound = "JANUS_HANDLE_NOT_FOUND";
inline constexpr absl::string_view kPluginNotFound = "JANUS_PLUGIN_NOT_FOUND";
inline constexpr absl::string_view kNotAcceptingSessions = "JANUS_NOT_ACCEPTING_SESSIONS";
inline constexpr absl::string_view kInvalidJsep = "JANUS_INVALID_JSEP";
inline constexpr absl::string_view kInvalidRequest = "JANUS_INVALID_REQUEST";
inline constexpr absl::string_view kWebRtcState = "JANUS_WEBRTC_STATE";
inline constexpr absl::string_view kRoomNotFound = "JANUS_ROOM_NOT_FOUND";
inline constexpr absl::string_view kRoomExists = "JANUS_ROOM_EXISTS";
inline constexpr absl::string_view kFeedNotFound = "JANUS_FEED_NOT_FOUND";
inline constexpr absl::string_view kRoomFull = "JANUS_ROOM_FULL";
inline constexpr absl::string_view kRoomUnauthorized = "JANUS_ROOM_UNAUTHORIZED";
inline constexpr absl::string_view kParticipantExists = "JANUS_PARTICIPANT_EXISTS";
inline constexpr absl::string_view kWrongState = "JANUS_WRONG_STATE";
inline constexpr absl::string_view kJanusError = "JANUS_ERROR";

// A `{"janus":"error","error":{"code":…,"reason":…}}` answer of the Janus core as a status.
absl::Status CoreError(int code, absl::string_view text);

// A VideoRoom `{"videoroom":"event","error_code":…,"error":…}` answer as a status.
absl::Status VideoRoomError(int code, absl::string_view text);

// An answer that could not be understood; `what` says which (never the answer itself, which may
// hold secrets).
absl::Status BadResponse(absl::string_view what);

}  // namespace parta::janus
