#include "services/gateway/events/frames.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "libs/core/status.h"
#include "nlohmann/json.hpp"

namespace parta::gateway {
namespace {

using nlohmann::json;

std::string Dump(const json& frame) {
  return frame.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

std::string ReadyFrame(absl::string_view user_id, size_t channels,
                       const std::vector<std::string>& unavailable) {
  return Dump({{"type", "ready"},
               {"userId", std::string(user_id)},
               {"channels", channels},
               {"unavailable", unavailable}});
}

std::string ResyncFrame() { return R"({"type":"resync"})"; }

std::string EventFrame(absl::string_view channel, const events::v1::Event& event) {
  std::string event_json;
  if (!google::protobuf::util::MessageToJsonString(event, &event_json).ok()) return "";
  return absl::StrCat(R"({"type":"event","channel":)", Dump(json(std::string(channel))),
                      R"(,"event":)", event_json, "}");
}

std::string AuthenticatedFrame(absl::Time expires_at) {
  return Dump({{"type", "authenticated"},
               {"expiresAt", absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", expires_at,
                                              absl::UTCTimeZone())}});
}

std::string PongFrame() { return R"({"type":"pong"})"; }

std::string DoneFrame(absl::string_view id) {
  return Dump({{"type", "done"}, {"id", std::string(id)}});
}

std::string ErrorFrame(const absl::Status& status, absl::string_view id) {
  json frame = {{"type", "error"},
                {"reason", ReasonOf(status)},
                {"message", std::string(status.message())}};
  if (!id.empty()) frame["id"] = std::string(id);
  return Dump(frame);
}

}  // namespace parta::gateway
