import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/** TC3-HMAC-SHA256, API 3.0's request signature (see docs/tat-api-notes.md). */
const TC3_ALGORITHM = "TC3-HMAC-SHA256";

export interface Tc3Authorization {
  secretId: string;
  date: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

const AUTH_PATTERN =
  /^TC3-HMAC-SHA256 Credential=([^/\s,]+)\/(\d{4}-\d{2}-\d{2})\/([^/\s,]+)\/tc3_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

export function parseTc3Authorization(header: string | undefined): Tc3Authorization | undefined {
  const m = header === undefined ? null : AUTH_PATTERN.exec(header);
  if (!m) return undefined;
  const [, secretId, date, service, signed, signature] = m;
  if (!secretId || !date || !service || !signed || !signature) return undefined;
  return { secretId, date, service, signedHeaders: signed.split(";"), signature };
}

const sha256Hex = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data).digest();

export interface Tc3SignInput {
  secretKey: string;
  service: string;
  timestamp: number;
  /** Lower-case header name to its value, for every signed header, in the signed order. */
  headers: ReadonlyArray<readonly [string, string]>;
  body: string | Buffer;
}

export function tc3Signature({ secretKey, service, timestamp, headers, body }: Tc3SignInput): string {
  const date = new Date(timestamp * 1000).toISOString().slice(0, 10);
  const canonicalHeaders = headers.map(([k, v]) => `${k}:${v.trim().toLowerCase()}\n`).join("");
  const signedHeaders = headers.map(([k]) => k).join(";");
  const canonicalRequest = `POST\n/\n\n${canonicalHeaders}\n${signedHeaders}\n${sha256Hex(body)}`;
  const scope = `${date}/${service}/tc3_request`;
  const stringToSign = `${TC3_ALGORITHM}\n${timestamp}\n${scope}\n${sha256Hex(canonicalRequest)}`;
  const kDate = hmac(`TC3${secretKey}`, date);
  const kService = hmac(kDate, service);
  const kSigning = hmac(kService, "tc3_request");
  return createHmac("sha256", kSigning).update(stringToSign).digest("hex");
}

export function signaturesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
