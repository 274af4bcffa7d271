#include "libs/janus/protocol.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "libs/core/random.h"
#include "libs/core/status.h"
#include "libs/janus/errors.h"

namespace parta::janus {

using nlohmann::json;

std::string NewTransaction() { return absl::BytesToHexString(RandomBytes(9)); }

absl::StatusOr<json> ParseAnswer(const http::Response& response, absl::string_view what) {
  if (response.status != 200) {
    return BadResponse(absl::StrCat(what, ": HTTP status ", response.status));
  }
  json parsed = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !(parsed.is_object() || parsed.is_array())) {
    return BadResponse(absl::StrCat(what, ": the answer is not JSON"));
  }
  return parsed;
}

absl::Status CoreStatus(const json& answer) {
  if (!answer.is_object()) return BadResponse("an answer that is not an object");
  if (StringField(answer, "janus") != "error") return absl::OkStatus();
  const json& error = answer.contains("error") ? answer["error"] : json::object();
  int code = error.is_object() && error.contains("code") && error["code"].is_number_integer()
                 ? error["code"].get<int>()
                 : 0;
  std::string text = StringField(error, "reason");
  return CoreError(code, text);
}

absl::Status PluginStatus(const json& data) {
  if (!data.is_object() || !data.contains("error_code")) return absl::OkStatus();
  int code = data["error_code"].is_number_integer() ? data["error_code"].get<int>() : 0;
  std::string text = StringField(data, "error");
  if (data.contains("videoroom")) return VideoRoomError(code, text);
  return Error(absl::StatusCode::kInternal, kJanusError,
               absl::StrCat("janus plugin error ", code, ": ", text));
}

std::string StringField(const json& object, const char* key) {
  if (!object.is_object() || !object.contains(key) || !object[key].is_string()) return "";
  return object[key].get<std::string>();
}

absl::StatusOr<uint64_t> IdField(const json& object, const char* key) {
  if (!object.is_object() || !object.contains(key) || !object[key].is_number_integer() ||
      object[key].get<int64_t>() < 0) {
    return BadResponse(absl::StrCat("no numeric '", key, "' in the answer"));
  }
  return object[key].get<uint64_t>();
}

std::string QueryEscape(absl::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      constexpr char kHex[] = "0123456789ABCDEF";
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace parta::janus
