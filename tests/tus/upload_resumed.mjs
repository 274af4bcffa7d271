// Uploads a file through the gateway with the public tus client (tus-js-client, as browsers and
// apps use it), drops the connection in the middle of the upload, and resumes it from where the
// server says it stands, as an app does after a network drop.
//
//   node upload_resumed.mjs <gateway url> <access token> <file> <file name> <type> <result.json>
//
// Writes {"url", "size", "resumedFrom", "itemId", "versionId"} to the result file; exits 1 on
// any failure.

import { readFileSync, writeFileSync } from "node:fs";
import { Upload } from "tus-js-client";

const [gateway, token, path, fileName, fileType, resultPath] = process.argv.slice(2);
const data = readFileSync(path);
const headers = { Authorization: `Bearer ${token}` };

// The first attempt: cut off once three quarters of the bytes are on their way. The bytes go in
// eight PATCHes, as apps on mobile networks send them, so the last one is never sent: however
// fast the server takes the others, the cut comes before the upload can finish.
function firstAttempt() {
  return new Promise((resolve, reject) => {
    const upload = new Upload(data, {
      endpoint: `${gateway}/v1/uploads`,
      headers,
      metadata: { filename: fileName, filetype: fileType },
      chunkSize: Math.ceil(data.length / 8),
      retryDelays: null,
      onProgress(sent) {
        if (sent >= (data.length * 3) / 4 && upload.url) {
          upload.abort(false).then(() => resolve(upload.url), reject);
        }
      },
      onSuccess: () => reject(new Error("the upload finished before it could be cut off")),
      onError: reject,
    });
    upload.start();
  });
}

// The second: a new client that knows only the upload's URL, as after an app restart.
function resume(url) {
  return new Promise((resolve, reject) => {
    const result = { url, size: data.length };
    const upload = new Upload(data, {
      uploadUrl: url,
      headers,
      // As apps are configured: a PATCH refused because the server was still taking the cut-off
      // request's last bytes (409) is retried from the offset a new HEAD tells.
      retryDelays: [0, 200, 500, 1000, 2000],
      onAfterResponse(request, response) {
        if (request.getMethod() === "HEAD") {
          result.resumedFrom = Number(response.getHeader("Upload-Offset"));
        }
        if (request.getMethod() === "PATCH" && response.getHeader("Parta-Version-Id")) {
          result.itemId = response.getHeader("Parta-Item-Id");
          result.versionId = response.getHeader("Parta-Version-Id");
        }
      },
      onSuccess: () => resolve(result),
      onError: reject,
    });
    upload.start();
  });
}

try {
  const url = await firstAttempt();
  const result = await resume(url);
  writeFileSync(resultPath, JSON.stringify(result));
  console.log(JSON.stringify(result));
} catch (error) {
  console.error(`tus upload failed: ${error}`);
  process.exit(1);
}
