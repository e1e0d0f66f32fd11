import { type AuditTrail, type Caller, type CallerRegistry, sha256Hex } from "@tat-bulk/callers";
import type { RequestHandler } from "express";
import { apiError } from "../api-error.js";
import type { IntakeMetrics } from "../metrics.js";

declare global {
  namespace Express {
    interface Request {
      /** The authenticated caller (every /v1 route has one). */
      caller: Caller;
    }
  }
}

export interface CallerAuthDeps {
  registry: CallerRegistry;
  audit: AuditTrail;
  metrics: IntakeMetrics;
}

/**
 * `Authorization: Bearer <key>` to a caller. A refused key is counted, logged and audited under its
 * hash prefix (`key:1a2b3c4d`), never the key.
 */
export function authenticate(deps: CallerAuthDeps): RequestHandler {
  return (req, _res, next) => {
    const match = /^Bearer ([^\s]+)$/.exec(req.get("authorization") ?? "");
    const key = match?.[1];
    const caller = key === undefined ? undefined : deps.registry.authenticate(key);
    if (caller) {
      req.caller = caller;
      next();
      return;
    }
    const reason = key === undefined ? "missing-key" : "unknown-key";
    deps.metrics.authFailures.inc({ reason });
    const who = key === undefined ? "anonymous" : `key:${sha256Hex(key).slice(0, 8)}`;
    req.log.warn({ caller: who, reason }, "authentication refused");
    void deps.audit
      .append({
        Caller: who,
        Action: "authenticate",
        BatchId: null,
        RequestId: req.id,
        Source: req.ip ?? "",
        Outcome: "refused",
        Status: 401,
        Code: "AuthFailure",
      })
      .catch((error: unknown) => req.log.warn({ err: (error as Error).message }, "audit append failed"));
    next(apiError("AuthFailure", "A valid Authorization: Bearer <key> header is required"));
  };
}
