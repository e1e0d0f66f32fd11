import type { AuditTrail } from "@tat-bulk/callers";
import type { RequestHandler } from "express";

const REFUSED = new Set([401, 403, 404, 409, 413, 429]);

/**
 * Appends every audited request (a route marked with `audited`) to the audit trail once it is
 * answered, whatever the answer, and logs it. Never a key or a body: who, what, which batch, from
 * where, and how it ended.
 */
export function auditRequests(audit: AuditTrail): RequestHandler {
  return (req, res, next) => {
    res.on("finish", () => {
      const action: unknown = res.locals.auditAction;
      if (typeof action !== "string") return;
      const batchId: unknown = res.locals.auditBatchId;
      const code: unknown = res.locals.errorCode;
      const entry = {
        Caller: req.caller?.Name ?? "anonymous",
        Action: action,
        BatchId: typeof batchId === "string" ? batchId : null,
        RequestId: req.id,
        Source: req.ip ?? "",
        Outcome: res.statusCode < 400 ? "ok" : REFUSED.has(res.statusCode) ? "refused" : "failed",
        Status: res.statusCode,
        Code: typeof code === "string" ? code : null,
      } as const;
      req.log.info({ audit: entry }, "audit");
      audit
        .append(entry)
        .catch((error: unknown) => req.log.warn({ err: (error as Error).message }, "audit append failed"));
    });
    next();
  };
}
