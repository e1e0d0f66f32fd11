import { type AuditTally, type Caller, type CallerRegistry, sha256Hex } from "@tat-bulk/callers";
import type { RequestHandler } from "express";
import { apiError } from "../api-error.js";
import type { IntakeMetrics } from "../metrics.js";
import type { SourceGuard } from "./source-guard.js";

declare global {
  namespace Express {
    interface Request {
      /** The authenticated caller (every /v1 route past authentication has one). */
      caller: Caller;
    }
  }
}

export interface CallerAuthDeps {
  registry: CallerRegistry;
  tally: AuditTally;
  guard: SourceGuard;
  metrics: IntakeMetrics;
}

/**
 * `Authorization: Bearer <key>` to a caller. A source that had too many keys refused this minute
 * is answered 429 before its key is looked at. A refused key is counted (one audit entry per source
 * and minute, with the count), logged once a minute per source under its hash prefix
 * (`key:1a2b3c4d`), never the key.
 */
export function authenticate(deps: CallerAuthDeps): RequestHandler {
  return (req, res, next) => {
    const source = req.ip ?? "";
    const refusal = (status: number, code: string) => {
      res.locals.auditTallied = true;
      deps.tally.add({
        Caller: "unauthenticated",
        Action: "authenticate",
        BatchId: null,
        Source: source,
        Outcome: "refused",
        Status: status,
        Code: code,
      });
    };
    const blockedMs = deps.guard.blockedFor(source);
    if (blockedMs > 0) {
      deps.metrics.authFailures.inc({ reason: "source-blocked" });
      refusal(429, "RequestLimitExceeded");
      next(
        apiError("RequestLimitExceeded", "Too many refused keys from this address; try again later", {
          "Retry-After": String(Math.ceil(blockedMs / 1000)),
        }),
      );
      return;
    }
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
    if (deps.guard.refused(source)) {
      const who = key === undefined ? "anonymous" : `key:${sha256Hex(key).slice(0, 8)}`;
      req.log.warn({ caller: who, reason, source }, "authentication refused (counted for this minute)");
    }
    refusal(401, "AuthFailure");
    next(apiError("AuthFailure", "A valid Authorization: Bearer <key> header is required"));
  };
}
