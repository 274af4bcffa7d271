#include "libs/grpc/export_file.h"

#include <utility>

#include "google/protobuf/util/json_util.h"

namespace parta::grpc {
namespace {

std::string ToJson(const google::protobuf::Message& message, bool pretty) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = pretty;
  options.always_print_primitive_fields = true;
  std::string json;
  // Printing a valid message to JSON cannot fail for the API's own types (no Any).
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

}  // namespace

api::v1::ExportFile ExportJson(std::string path, const google::protobuf::Message& message) {
  api::v1::ExportFile file;
  file.set_path(std::move(path));
  file.set_content(ToJson(message, /*pretty=*/true));
  return file;
}

void AppendJsonLine(const google::protobuf::Message& message, std::string& out) {
  out += ToJson(message, /*pretty=*/false);
  out += '\n';
}

}  // namespace parta::grpc
