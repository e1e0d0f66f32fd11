import type { IncomingHttpHeaders } from "node:http";
import { parseTc3Authorization, signaturesEqual, tc3Signature } from "@tat-bulk/tat-api";
import { TatError } from "./tat-error.js";

const MAX_CLOCK_SKEW_SECONDS = 300;

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Verifies TC3-HMAC-SHA256 as Tencent Cloud does, with what the SDK does on a local endpoint: the
 * host is signed without its port, and the service is the one the credential scope names.
 * Returns the SecretId.
 */
export function verifySignature(
  headers: IncomingHttpHeaders,
  body: Buffer,
  credentials: ReadonlyMap<string, string>,
  nowSeconds: number,
): string {
  const auth = parseTc3Authorization(header(headers, "authorization"));
  if (!auth)
    throw new TatError("AuthFailure.InvalidAuthorization", "Authorization header is missing or malformed");
  if (!auth.signedHeaders.includes("host") || !auth.signedHeaders.includes("content-type")) {
    throw new TatError(
      "AuthFailure.InvalidAuthorization",
      "SignedHeaders must include content-type and host",
    );
  }
  const timestampText = header(headers, "x-tc-timestamp") ?? "";
  if (!/^\d{1,12}$/.test(timestampText)) {
    throw new TatError("AuthFailure.InvalidAuthorization", "X-TC-Timestamp is missing or not a Unix time");
  }
  const secretKey = credentials.get(auth.secretId);
  if (secretKey === undefined)
    throw new TatError("AuthFailure.SecretIdNotFound", "The SecretId is not found");
  const timestamp = Number(timestampText);
  if (Math.abs(nowSeconds - timestamp) > MAX_CLOCK_SKEW_SECONDS) {
    throw new TatError(
      "AuthFailure.SignatureExpire",
      "The signature expired: the timestamp is more than 5 minutes off",
    );
  }
  if (new Date(timestamp * 1000).toISOString().slice(0, 10) !== auth.date) {
    throw new TatError("AuthFailure.SignatureFailure", "The credential date does not match X-TC-Timestamp");
  }
  const signed: Array<[string, string]> = [];
  for (const name of auth.signedHeaders) {
    let value = header(headers, name);
    if (value === undefined)
      throw new TatError("AuthFailure.InvalidAuthorization", `Signed header ${name} is missing`);
    if (name === "host") value = value.replace(/:\d+$/, "");
    signed.push([name, value]);
  }
  const expected = tc3Signature({ secretKey, service: auth.service, timestamp, headers: signed, body });
  if (!signaturesEqual(expected, auth.signature)) {
    throw new TatError("AuthFailure.SignatureFailure", "The signature does not match");
  }
  return auth.secretId;
}
