import { createHash, timingSafeEqual } from "node:crypto";
import type { RequestHandler } from "express";
import { apiError } from "./api-error.js";

const digest = (text: string) => createHash("sha256").update(text).digest();

/**
 * `Authorization: Bearer <key>` against the configured keys. Keys are compared as SHA-256 digests
 * with timingSafeEqual, so neither a key's content nor its length leaks through timing.
 */
export function bearerAuth(keys: readonly string[]): RequestHandler {
  const digests = keys.map(digest);
  return (req, _res, next) => {
    const match = /^Bearer ([^\s]+)$/.exec(req.get("authorization") ?? "");
    const presented = digest(match?.[1] ?? "");
    let ok = false;
    for (const known of digests) ok = timingSafeEqual(known, presented) || ok;
    next(
      ok && match
        ? undefined
        : apiError("AuthFailure", "A valid Authorization: Bearer <key> header is required"),
    );
  };
}
