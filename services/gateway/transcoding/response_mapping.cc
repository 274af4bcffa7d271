#include "services/gateway/transcoding/response_mapping.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "libs/core/status.h"
#include "nlohmann/json.hpp"
#include "services/gateway/transcoding/content_disposition.h"

namespace parta::gateway {
namespace {

absl::StatusOr<std::string> ToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  std::string out;
  const auto status = google::protobuf::util::MessageToJsonString(message, &out, options);
  if (!status.ok()) {
    return Internal("RESPONSE_NOT_JSON",
                    absl::StrCat("cannot write the response as JSON: ",
                                 std::string(status.message())));
  }
  return out;
}

}  // namespace

bool IsRawBody(const google::protobuf::Descriptor& response_type) {
  return response_type.full_name() == "parta.api.v1.HttpBody";
}

HttpResponse RawBodyResponse(const google::protobuf::Message& body) {
  const google::protobuf::Descriptor& type = *body.GetDescriptor();
  const google::protobuf::Reflection& fields = *body.GetReflection();
  HttpResponse response;
  response.content_type = fields.GetString(body, type.FindFieldByName("content_type"));
  // A header value is one line: anything else is not a media type the gateway passes on.
  if (response.content_type.empty() ||
      response.content_type.find_first_of("\r\n") != std::string::npos) {
    response.content_type = "application/octet-stream";
  }
  response.body = fields.GetString(body, type.FindFieldByName("data"));
  const std::string file_name = fields.GetString(body, type.FindFieldByName("file_name"));
  if (!file_name.empty()) {
    response.headers.emplace_back("Content-Disposition", ContentDisposition(file_name));
  }
  return response;
}

absl::StatusOr<std::string> MapResponse(const Route& route,
                                        const google::protobuf::Message& response) {
  if (route.response_body.empty()) return ToJson(response);
  const google::protobuf::FieldDescriptor* field =
      response.GetDescriptor()->FindFieldByName(route.response_body);
  if (field->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE &&
      !field->is_repeated()) {
    return ToJson(response.GetReflection()->GetMessage(response, field));
  }
  // Repeated and scalar fields have no message of their own: print the whole response and take
  // the field (present even when empty, as primitives and lists are always printed).
  ASSIGN_OR_RETURN(std::string whole, ToJson(response));
  nlohmann::json parsed = nlohmann::json::parse(whole.begin(), whole.end());
  auto it = parsed.find(field->json_name());
  if (it == parsed.end()) return std::string(field->is_repeated() ? "[]" : "null");
  return it->dump();
}

}  // namespace parta::gateway
