// A regional system verifying a Parta access token with an off-the-shelf JOSE library, from the
// issuer's two well-known documents alone:
//
//   node verify_token.mjs <issuer URL> <audience> <token> <expected subject> <foreign token>
//
// Reads <issuer>/.well-known/openid-configuration, checks that it names the issuer, verifies the
// token against the key set at its jwks_uri (signature, issuer, audience, times) and checks the
// subject; the foreign token (signed by another key) must be refused. Exit code 0 when all holds.
import { createRemoteJWKSet, jwtVerify, errors } from "jose";

const [issuer, audience, token, subject, foreignToken] = process.argv.slice(2);

function fail(message) {
  console.error(`FAIL: ${message}`);
  process.exit(1);
}

const discoveryUrl = `${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
const discovery = await fetch(discoveryUrl);
if (discovery.status !== 200) fail(`${discoveryUrl} answered ${discovery.status}`);
const metadata = await discovery.json();
if (metadata.issuer !== issuer) fail(`the document names issuer ${metadata.issuer}`);
if (typeof metadata.jwks_uri !== "string") fail("the document has no jwks_uri");

const keys = createRemoteJWKSet(new URL(metadata.jwks_uri));
const { payload, protectedHeader } = await jwtVerify(token, keys, {
  issuer: metadata.issuer,
  audience,
});
if (protectedHeader.alg !== "EdDSA") fail(`signed with ${protectedHeader.alg}`);
if (payload.sub !== subject) fail(`the token is of ${payload.sub}, not ${subject}`);
console.log(`verified: sub=${payload.sub} kid=${protectedHeader.kid} exp=${payload.exp}`);

try {
  await jwtVerify(foreignToken, keys, { issuer: metadata.issuer, audience });
  fail("a token signed by another key was accepted");
} catch (error) {
  if (!(error instanceof errors.JOSEError)) throw error;
  console.log(`refused the foreign token: ${error.code}`);
}
