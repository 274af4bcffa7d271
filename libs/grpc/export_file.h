#pragma once

// Files of a person's data export (parta.api.v1.ExportFile) written from the API's own
// messages: the archive holds the same JSON the HTTP API speaks (lowerCamelCase names, enum
// names, RFC 3339 times, every field printed), so its format is documented by the protos.

#include <string>

#include "google/protobuf/message.h"
#include "parta/api/v1/export.pb.h"

namespace parta::grpc {

// A file holding `message` as one pretty-printed JSON document.
api::v1::ExportFile ExportJson(std::string path, const google::protobuf::Message& message);

// Appends `message` to `out` as one line of JSON (a `.jsonl` file).
void AppendJsonLine(const google::protobuf::Message& message, std::string& out);

}  // namespace parta::grpc
