import { createHmac, timingSafeEqual } from "node:crypto";

/** The header a delivery's signature travels in, and the one naming its event. */
export const SIGNATURE_HEADER = "Tat-Bulk-Signature";
export const EVENT_ID_HEADER = "Tat-Bulk-Event-Id";

const hmac = (secret: string, timestamp: number, body: string) =>
  createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");

/** `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`: what tat-bulk sends. */
export function signatureHeader(
  secret: string,
  body: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): string {
  return `t=${nowSeconds},v1=${hmac(secret, nowSeconds, body)}`;
}

export interface VerifyOptions {
  /** The shared WEBHOOK_SIGNING_SECRET. */
  secret: string;
  /** The Tat-Bulk-Signature header as received. */
  header: string | null | undefined;
  /** The body exactly as received (before any JSON parsing). */
  body: string;
  /** How old a signature may be, against replays (default 5 minutes). */
  toleranceSeconds?: number;
  nowSeconds?: number;
}

/**
 * Whether a delivery really comes from tat-bulk: its signature matches the raw body under the
 * shared secret (compared in constant time) and is recent. A receiver should also drop an
 * EventId it has handled: deliveries are at least once.
 */
export function verifyWebhookSignature(options: VerifyOptions): boolean {
  const {
    secret,
    header,
    body,
    toleranceSeconds = 300,
    nowSeconds = Math.floor(Date.now() / 1000),
  } = options;
  const match = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/.exec(header ?? "");
  if (!match?.[1] || !match[2]) return false;
  const timestamp = Number(match[1]);
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(hmac(secret, timestamp, body), "hex");
  const given = Buffer.from(match[2], "hex");
  return expected.length === given.length && timingSafeEqual(expected, given);
}
