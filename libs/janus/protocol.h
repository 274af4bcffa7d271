#pragma once

// Pieces of the Janus JSON protocol shared by the session and the admin client: transaction ids,
// parsing answers, turning error answers into statuses, reading ids.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/http/client.h"

namespace parta::janus {

// The plugin name of Janus's VideoRoom (the SFU).
inline constexpr absl::string_view kVideoRoomPlugin = "janus.plugin.videoroom";

// A fresh transaction id: random, so answers can never be confused across processes.
std::string NewTransaction();

// The JSON of an HTTP answer from Janus. Janus answers 200 even for its errors; any other status
// or a body that is not JSON is JANUS_BAD_RESPONSE.
absl::StatusOr<nlohmann::json> ParseAnswer(const http::Response& response, absl::string_view what);

// The status of a core answer: OK unless it is `{"janus":"error",…}`.
absl::Status CoreStatus(const nlohmann::json& answer);

// The status of plugin data: OK unless it carries an `error_code` (VideoRoom codes are mapped
// to their reasons; other plugins' codes become JANUS_ERROR).
absl::Status PluginStatus(const nlohmann::json& data);

// `object[key]` if it is a string, else "" (Janus's answers are not trusted to have a shape).
std::string StringField(const nlohmann::json& object, const char* key);

// `object[key]` as an unsigned id, or JANUS_BAD_RESPONSE.
absl::StatusOr<uint64_t> IdField(const nlohmann::json& object, const char* key);

// `text` percent-encoded for a query string.
std::string QueryEscape(absl::string_view text);

}  // namespace parta::janus
