#include "libs/janus/admin.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "libs/core/status.h"
#include "libs/janus/errors.h"
#include "libs/janus/protocol.h"

namespace parta::janus {

using nlohmann::json;

absl::StatusOr<std::unique_ptr<JanusAdmin>> JanusAdmin::Create(AdminOptions options) {
  ASSIGN_OR_RETURN(http::Url url, http::Url::Parse(options.url, kHttpReasons));
  return std::unique_ptr<JanusAdmin>(new JanusAdmin(std::move(options), std::move(url)));
}

JanusAdmin::JanusAdmin(AdminOptions options, http::Url url)
    : options_(std::move(options)),
      url_(std::move(url)),
      http_(url_.host, url_.port, {.reasons = kHttpReasons}) {}

absl::StatusOr<json> JanusAdmin::Call(absl::string_view verb, json fields) {
  fields["janus"] = std::string(verb);
  fields["transaction"] = NewTransaction();
  fields["admin_secret"] = options_.admin_secret;
  std::string body = fields.dump(-1, ' ', false, json::error_handler_t::replace);
  ASSIGN_OR_RETURN(http::Response response,
                   http_.Post(url_.path, std::move(body), options_.timeout));
  ASSIGN_OR_RETURN(json answer, ParseAnswer(response, verb));
  RETURN_IF_ERROR(CoreStatus(answer));
  return answer;
}

absl::StatusOr<json> JanusAdmin::VideoRoomRequest(const json& request) {
  ASSIGN_OR_RETURN(json answer, Call("message_plugin", {{"plugin", std::string(kVideoRoomPlugin)},
                                                        {"request", request}}));
  if (!answer.contains("response") || !answer["response"].is_object()) {
    return BadResponse("message_plugin answered without a response");
  }
  RETURN_IF_ERROR(PluginStatus(answer["response"]));
  return std::move(answer["response"]);
}

absl::Status JanusAdmin::Ping() {
  ASSIGN_OR_RETURN(json answer, Call("ping", json::object()));
  if (StringField(answer, "janus") != "pong") return BadResponse("ping answered without a pong");
  return absl::OkStatus();
}

absl::StatusOr<JanusLoad> JanusAdmin::Load() {
  JanusLoad load;
  ASSIGN_OR_RETURN(json sessions, Call("list_sessions", json::object()));
  if (!sessions.contains("sessions") || !sessions["sessions"].is_array()) {
    return BadResponse("list_sessions answered without sessions");
  }
  load.sessions = sessions["sessions"].size();
  // With the admin_key the list includes private rooms, which all of ours are.
  ASSIGN_OR_RETURN(json rooms,
                   VideoRoomRequest({{"request", "list"}, {"admin_key", options_.admin_key}}));
  if (!rooms.contains("list") || !rooms["list"].is_array()) {
    return BadResponse("the room list answered without a list");
  }
  for (const json& room : rooms["list"]) {
    ++load.rooms;
    if (room.is_object() && room.contains("num_participants") &&
        room["num_participants"].is_number_unsigned()) {
      load.participants += room["num_participants"].get<size_t>();
    }
  }
  return load;
}

absl::StatusOr<uint64_t> JanusAdmin::CreateRoom(const RoomOptions& options) {
  json request = {{"request", "create"},
                  {"admin_key", options_.admin_key},
                  {"permanent", false},
                  {"secret", options.secret},
                  {"is_private", options.is_private},
                  {"publishers", options.publishers},
                  {"allowed", options.allowed},
                  {"videocodec", options.videocodec},
                  {"audiocodec", options.audiocodec},
                  {"notify_joining", options.notify_joining},
                  {"require_pvtid", options.require_pvtid}};
  if (options.room != 0) request["room"] = options.room;
  if (!options.description.empty()) request["description"] = options.description;
  if (!options.pin.empty()) request["pin"] = options.pin;
  if (options.bitrate > 0) request["bitrate"] = options.bitrate;
  ASSIGN_OR_RETURN(json response, VideoRoomRequest(request));
  return IdField(response, "room");
}

absl::Status JanusAdmin::DestroyRoom(uint64_t room, absl::string_view secret) {
  return VideoRoomRequest({{"request", "destroy"}, {"room", room}, {"secret", std::string(secret)}})
      .status();
}

absl::StatusOr<bool> JanusAdmin::RoomExists(uint64_t room) {
  ASSIGN_OR_RETURN(json response, VideoRoomRequest({{"request", "exists"}, {"room", room}}));
  if (!response.contains("exists") || !response["exists"].is_boolean()) {
    return BadResponse("exists answered without a boolean");
  }
  return response["exists"].get<bool>();
}

absl::StatusOr<std::vector<std::string>> JanusAdmin::ChangeAllowed(
    uint64_t room, absl::string_view secret, absl::string_view action,
    const std::vector<std::string>& tokens) {
  ASSIGN_OR_RETURN(json response, VideoRoomRequest({{"request", "allowed"},
                                                    {"room", room},
                                                    {"secret", std::string(secret)},
                                                    {"action", std::string(action)},
                                                    {"allowed", tokens}}));
  std::vector<std::string> allowed;
  if (response.contains("allowed") && response["allowed"].is_array()) {
    for (const json& token : response["allowed"]) {
      if (token.is_string()) allowed.push_back(token.get<std::string>());
    }
  }
  return allowed;
}

absl::StatusOr<std::vector<std::string>> JanusAdmin::AllowTokens(
    uint64_t room, absl::string_view secret, const std::vector<std::string>& tokens) {
  return ChangeAllowed(room, secret, "add", tokens);
}

absl::StatusOr<std::vector<std::string>> JanusAdmin::DisallowTokens(
    uint64_t room, absl::string_view secret, const std::vector<std::string>& tokens) {
  return ChangeAllowed(room, secret, "remove", tokens);
}

absl::Status JanusAdmin::Kick(uint64_t room, absl::string_view secret, uint64_t participant) {
  return VideoRoomRequest({{"request", "kick"},
                           {"room", room},
                           {"secret", std::string(secret)},
                           {"id", participant}})
      .status();
}

absl::Status JanusAdmin::Moderate(uint64_t room, absl::string_view secret, uint64_t participant,
                                  absl::string_view mid, bool mute) {
  return VideoRoomRequest({{"request", "moderate"},
                           {"room", room},
                           {"secret", std::string(secret)},
                           {"id", participant},
                           {"mid", std::string(mid)},
                           {"mute", mute}})
      .status();
}

absl::StatusOr<std::vector<Participant>> JanusAdmin::ListParticipants(uint64_t room) {
  ASSIGN_OR_RETURN(json response,
                   VideoRoomRequest({{"request", "listparticipants"}, {"room", room}}));
  if (!response.contains("participants") || !response["participants"].is_array()) {
    return BadResponse("listparticipants answered without participants");
  }
  std::vector<Participant> participants;
  for (const json& entry : response["participants"]) {
    ASSIGN_OR_RETURN(uint64_t id, IdField(entry, "id"));
    Participant participant{.id = id, .display = StringField(entry, "display")};
    if (entry.contains("publisher") && entry["publisher"].is_boolean()) {
      participant.publisher = entry["publisher"].get<bool>();
    }
    if (entry.contains("talking") && entry["talking"].is_boolean()) {
      participant.talking = entry["talking"].get<bool>();
    }
    participants.push_back(std::move(participant));
  }
  return participants;
}

}  // namespace parta::janus
