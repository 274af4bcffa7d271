#pragma once

// The OpenAPI description of the streamed file routes (files/file_transfers.h), which no proto
// rule describes: tus 1.0 at /v1/uploads and downloads at /v1/files/{version_id}. The tus
// bodies are raw bytes, described in the `x-parta-raw-body` extension; OPTIONS (tus discovery,
// CORS preflight) is left out like every other route's preflight.

#include "nlohmann/json.hpp"

namespace parta::gateway {

// Adds the transfer operations to `paths` (merging into the path items the REST routes already
// have there, such as GET /v1/uploads/{upload_id}).
void AddFileTransferPaths(nlohmann::json& paths);

}  // namespace parta::gateway
