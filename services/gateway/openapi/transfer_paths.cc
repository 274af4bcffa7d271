#include "services/gateway/openapi/transfer_paths.h"

#include <string>

namespace parta::gateway {
namespace {

using nlohmann::json;

json Header(const char* description, const char* type = "string") {
  return {{"description", description}, {"schema", {{"type", type}}}};
}

json PathParameter(const char* name, const char* description) {
  return {{"name", name},
          {"in", "path"},
          {"required", true},
          {"schema", {{"type", "string"}}},
          {"description", description}};
}

json HeaderParameter(const char* name, bool required, const char* description) {
  return {{"name", name},
          {"in", "header"},
          {"required", required},
          {"schema", {{"type", "string"}}},
          {"description", description}};
}

json ErrorResponse(const char* description) {
  return {
      {"description", description},
      {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}};
}

// A tus body is raw bytes, not a JSON request: it is described in an extension rather than as a
// `requestBody`, so that tools which build JSON requests from the document (code generators, the
// foreign-access sweep) take these operations as having no JSON body.
constexpr char kBodyExtension[] = "x-parta-raw-body";

json TusBody(bool required) {
  return {{"required", required},
          {"mediaType", "application/offset+octet-stream"},
          {"description", "the file's bytes from Upload-Offset, streamed"}};
}

json TusResumable() { return HeaderParameter("Tus-Resumable", true, "`1.0.0`"); }

// Where an upload stands, on tus answers.
json UploadStateHeaders() {
  return {{"Tus-Resumable", Header("`1.0.0`")},
          {"Upload-Offset", Header("bytes received and counted", "integer")},
          {"Upload-Expires", Header("when an unfinished upload is dropped (RFC 9110 date)")},
          {"Parta-Item-Id", Header("the item made of the upload, once complete")},
          {"Parta-Version-Id", Header("its version (GET /v1/files/{version_id}), once complete")}};
}

json Operation(const char* id, const char* summary, const char* description, bool bearer) {
  json operation = {{"operationId", id},
                    {"summary", summary},
                    {"description", description},
                    {"tags", {"files"}},
                    {"responses", {{"default", ErrorResponse("an error; see `reason`")}}}};
  operation["security"] = bearer ? json::array({{{"bearer", json::array()}}})
                                 : json::array({json::object(), {{"bearer", json::array()}}});
  return operation;
}

}  // namespace

void AddFileTransferPaths(json& paths) {
  const json binary = {{"type", "string"}, {"format", "binary"}};
  const json upload_id = PathParameter("upload_id", "the upload's id (from Location)");

  json create = Operation(
      "tus_create", "Start an upload (tus creation)",
      "Creates an upload of `Upload-Length` bytes into the caller's files "
      "(ContentService.CreateUpload). Upload-Metadata: base64 `filename`, `filetype`, optional "
      "`itemId` (a new version of that item) and `requestId` (retries answer the same upload). "
      "A body (`application/offset+octet-stream`) is written at once (creation-with-upload). "
      "413 above Tus-Max-Size.",
      true);
  create["parameters"] = {TusResumable(),
                          HeaderParameter("Upload-Length", true, "the file's size in bytes"),
                          HeaderParameter("Upload-Metadata", false, "tus metadata"),
                          HeaderParameter("Upload-Checksum", false, "`sha256 <base64>`")};
  create[kBodyExtension] = TusBody(false);
  json created_headers = UploadStateHeaders();
  created_headers["Location"] = Header("/v1/uploads/{upload_id}");
  create["responses"]["201"] = {{"description", "created"}, {"headers", created_headers}};
  create["responses"]["413"] = ErrorResponse("larger than Tus-Max-Size");

  json head = Operation("tus_head", "Where an upload stands (tus HEAD)",
                        "Upload-Offset and Upload-Length, never cached.", true);
  head["parameters"] = {upload_id, TusResumable()};
  json head_headers = UploadStateHeaders();
  head_headers["Upload-Length"] = Header("the declared size", "integer");
  head["responses"]["200"] = {{"description", "the upload's state"}, {"headers", head_headers}};

  json patch = Operation(
      "tus_patch", "Write bytes of an upload (tus PATCH)",
      "Streams the body into the upload at `Upload-Offset` (ContentService.AppendUpload, 1 MiB "
      "per call). Without a checksum what arrives counts at once, so a broken connection loses "
      "nothing: HEAD, then resume. With `Upload-Checksum: sha256 <base64>` the bytes count only "
      "if they match (460 otherwise). The PATCH that completes the upload answers "
      "Parta-Item-Id and Parta-Version-Id.",
      true);
  patch["parameters"] = {upload_id, TusResumable(),
                         HeaderParameter("Upload-Offset", true, "where the bytes go"),
                         HeaderParameter("Upload-Checksum", false, "`sha256 <base64>`")};
  patch[kBodyExtension] = TusBody(true);
  patch["responses"]["204"] = {{"description", "written"}, {"headers", UploadStateHeaders()}};
  patch["responses"]["409"] = ErrorResponse("Upload-Offset is not where the upload stands");
  patch["responses"]["413"] = ErrorResponse("the body goes past Upload-Length");
  patch["responses"]["415"] = ErrorResponse("not application/offset+octet-stream");
  patch["responses"]["460"] = ErrorResponse("the checksum does not match");

  json terminate = Operation("tus_delete", "Abandon an upload (tus termination)",
                             "ContentService.CancelUpload: its space is freed.", true);
  terminate["parameters"] = {upload_id, TusResumable()};
  terminate["responses"]["204"] = {{"description", "abandoned"}};

  paths["/v1/uploads"]["post"] = create;
  json& upload = paths["/v1/uploads/{upload_id}"];
  upload["head"] = head;
  upload["patch"] = patch;
  upload["delete"] = terminate;

  const json version_id = PathParameter("version_id", "the version's id");
  const json link = {{"name", "link"},
                     {"in", "query"},
                     {"required", false},
                     {"schema", {{"type", "string"}}},
                     {"description",
                      "a signed link's token (POST /v1/files/{version_id}/links), "
                      "for clients that cannot send Authorization"}};
  const json rendition = {{"name", "rendition"},
                          {"in", "query"},
                          {"required", false},
                          {"schema", {{"type", "string"}}},
                          {"description",
                           "`thumbnail` or `preview`: a JPEG made of the version (same access, its "
                           "own ETag, always inline); `original` or none: the file itself"}};
  json download = Operation(
      "files_download", "A version's bytes",
      "The file with its original name (Content-Disposition), a strong ETag (its SHA-256), "
      "Range (one range: 206; several: 206 multipart/byteranges; none satisfiable: 416), "
      "If-None-Match (304) and If-Range. Bearer token or `link`. Served as an attachment unless "
      "the type is safe to show, always under `Content-Security-Policy: default-src 'none'; "
      "sandbox`.",
      false);
  download["parameters"] = {version_id,
                            link,
                            rendition,
                            HeaderParameter("Range", false, "`bytes=` ranges"),
                            HeaderParameter("If-None-Match", false, "ETags the client has"),
                            HeaderParameter("If-Range", false, "the ETag the ranges belong to")};
  const json file_headers = {
      {"ETag", Header("\"<sha256 hex>\"")},
      {"Accept-Ranges", Header("`bytes`")},
      {"Content-Disposition", Header("inline or attachment, with filename*")}};
  download["responses"]["200"] = {{"description", "the whole file"},
                                  {"headers", file_headers},
                                  {"content", {{"*/*", {{"schema", binary}}}}}};
  json partial_headers = file_headers;
  partial_headers["Content-Range"] = Header("bytes first-last/size (one range)");
  download["responses"]["206"] = {
      {"description", "the ranges asked for"},
      {"headers", partial_headers},
      {"content", {{"*/*", {{"schema", binary}}}, {"multipart/byteranges", {{"schema", binary}}}}}};
  download["responses"]["304"] = {{"description", "the client's copy is current"}};
  download["responses"]["416"] = ErrorResponse("no range overlaps the file");
  json head_download = download;
  head_download["operationId"] = "files_head";
  head_download["summary"] = "A version's headers";
  head_download["responses"]["200"].erase("content");
  head_download["responses"]["206"].erase("content");

  json& file = paths["/v1/files/{version_id}"];
  file["get"] = download;
  file["head"] = head_download;
}

}  // namespace parta::gateway
