// Validates the gateway's OpenAPI document (written by `parta-gateway openapi`) with
// swagger-parser, an independent implementation of the OpenAPI 3 specification, and checks
// that the routes a client needs are described.
import fs from "node:fs";
import SwaggerParser from "@apidevtools/swagger-parser";

const [file] = process.argv.slice(2);
const document = JSON.parse(fs.readFileSync(file, "utf8"));
try {
  const api = await SwaggerParser.validate(structuredClone(document));
  const required = [
    ["/v1/accounts:register", "post"],
    ["/v1/sessions:login", "post"],
    ["/v1/me", "get"],
    ["/v1/me", "patch"],
    ["/v1/presence", "get"],
    ["/v1/events", "get"],
    ["/v1/uploads", "post"],
    ["/v1/uploads/{upload_id}", "patch"],
    ["/v1/files/{version_id}", "get"],
  ];
  for (const [path, method] of required) {
    if (!api.paths[path] || !api.paths[path][method]) {
      throw new Error(`${method.toUpperCase()} ${path} is not described`);
    }
  }
  if (!api.components.schemas["parta.events.v1.Event"]) {
    throw new Error("the WebSocket event catalogue is missing");
  }
  if (JSON.stringify(document).includes("/v1/testing")) {
    throw new Error("test routes leaked into the document");
  }
  console.log(`valid OpenAPI ${api.openapi}: ${Object.keys(api.paths).length} paths`);
} catch (error) {
  console.error(`invalid OpenAPI document: ${error.message}`);
  process.exit(1);
}
