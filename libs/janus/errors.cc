#include "libs/janus/errors.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "libs/core/status.h"

namespace parta::janus {

absl::Status CoreError(int code, absl::string_view text) {
  using absl::StatusCode;
  const std::string message = absl::StrCat("janus error ", code, ": ", text);
  switch (code) {
    case 403:  // UNAUTHORIZED
    case 405:  // UNAUTHORIZED_PLUGIN
      return Error(StatusCode::kInternal, kUnauthorized, message);
    case 458:  // SESSION_NOT_FOUND
      return Error(StatusCode::kNotFound, kSessionNotFound, message);
    case 459:  // HANDLE_NOT_FOUND
      return Error(StatusCode::kNotFound, kHandleNotFound, message);
    case 460:  // PLUGIN_NOT_FOUND
      return Error(StatusCode::kNotFound, kPluginNotFound, message);
    case 472:  // NOT_ACCEPTING_SESSIONS
      return Error(StatusCode::kUnavailable, kNotAcceptingSessions, message);
    case 464:  // JSEP_UNKNOWN_TYPE
    case 465:  // JSEP_INVALID_SDP
    case 466:  // TRICKE_INVALID_STREAM
      return Error(StatusCode::kInvalidArgument, kInvalidJsep, message);
    case 469:  // UNEXPECTED_ANSWER
    case 471:  // WEBRTC_STATE
      return Error(StatusCode::kFailedPrecondition, kWebRtcState, message);
    case 452:  // MISSING_REQUEST
    case 453:  // UNKNOWN_REQUEST
    case 454:  // INVALID_JSON
    case 455:  // INVALID_JSON_OBJECT
    case 456:  // MISSING_MANDATORY_ELEMENT
    case 457:  // INVALID_REQUEST_PATH
    case 467:  // INVALID_ELEMENT_TYPE
      // The core checks the jsep before the plugin sees the message: "JSEP error: …".
      if (absl::StartsWith(text, "JSEP")) {
        return Error(StatusCode::kInvalidArgument, kInvalidJsep, message);
      }
      return Error(StatusCode::kInvalidArgument, kInvalidRequest, message);
    default:
      return Error(StatusCode::kInternal, kJanusError, message);
  }
}

absl::Status VideoRoomError(int code, absl::string_view text) {
  using absl::StatusCode;
  const std::string message = absl::StrCat("janus videoroom error ", code, ": ", text);
  switch (code) {
    case 426:  // NO_SUCH_ROOM
      return Error(StatusCode::kNotFound, kRoomNotFound, message);
    case 427:  // ROOM_EXISTS
      return Error(StatusCode::kAlreadyExists, kRoomExists, message);
    case 428:  // NO_SUCH_FEED
      return Error(StatusCode::kNotFound, kFeedNotFound, message);
    case 432:  // PUBLISHERS_FULL
      return Error(StatusCode::kResourceExhausted, kRoomFull, message);
    case 433:  // UNAUTHORIZED
      return Error(StatusCode::kPermissionDenied, kRoomUnauthorized, message);
    case 436:  // ID_EXISTS
      return Error(StatusCode::kAlreadyExists, kParticipantExists, message);
    case 431:  // INVALID_SDP_TYPE
    case 437:  // INVALID_SDP
      return Error(StatusCode::kInvalidArgument, kInvalidJsep, message);
    case 424:  // JOIN_FIRST
    case 425:  // ALREADY_JOINED
    case 434:  // ALREADY_PUBLISHED
    case 435:  // NOT_PUBLISHED
      return Error(StatusCode::kFailedPrecondition, kWrongState, message);
    case 421:  // NO_MESSAGE
    case 422:  // INVALID_JSON
    case 423:  // INVALID_REQUEST
    case 429:  // MISSING_ELEMENT
    case 430:  // INVALID_ELEMENT
      return Error(StatusCode::kInvalidArgument, kInvalidRequest, message);
    default:
      return Error(StatusCode::kInternal, kJanusError, message);
  }
}

absl::Status BadResponse(absl::string_view what) {
  return Error(absl::StatusCode::kInternal, kBadResponse, absl::StrCat("janus: ", what));
}

}  // namespace parta::janus
