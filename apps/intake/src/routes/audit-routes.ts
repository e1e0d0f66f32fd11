import type { AuditTrail } from "@tat-bulk/callers";
import { Router } from "express";
import { apiError } from "../api-error.js";
import { requireScope } from "../callers/caller-guards.js";
import type { IntakeMetrics } from "../metrics.js";
import { intParam } from "./route-params.js";

/** `since`: an ISO time or epoch milliseconds. */
function sinceParam(raw: unknown): number | undefined {
  if (raw === undefined) return undefined;
  const text = typeof raw === "string" ? raw : "";
  const ms = /^\d{1,15}$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms))
    throw apiError("InvalidParameterValue", "since must be an ISO time or epoch milliseconds");
  return ms;
}

const textParam = (raw: unknown, name: string): string | undefined => {
  if (raw === undefined) return undefined;
  if (typeof raw !== "string" || raw.length > 200)
    throw apiError("InvalidParameterValue", `${name} must be text`);
  return raw;
};

/** GET /audit: the audit trail, newest first, a page at a time (`before`), for admin. */
export function auditRouter(audit: AuditTrail, metrics: IntakeMetrics): Router {
  const router = Router();
  router.get("/audit", requireScope("admin", metrics), async (req, res) => {
    const caller = textParam(req.query.caller, "caller");
    const batchId = textParam(req.query.batchId, "batchId");
    const since = sinceParam(req.query.since);
    const limit = intParam(req, "limit", 100, 1, 1000);
    const before = req.query.before;
    if (before !== undefined && (typeof before !== "string" || !/^\d{1,15}-\d{1,15}$/.test(before))) {
      throw apiError("InvalidParameterValue", "before must be an entry's Id (as NextBefore gives it)");
    }
    const page = await audit.query({
      limit,
      ...(caller !== undefined ? { caller } : {}),
      ...(batchId !== undefined ? { batchId } : {}),
      ...(since !== undefined ? { since } : {}),
      ...(before !== undefined ? { before } : {}),
    });
    res.json({ Entries: page.entries, NextBefore: page.next ?? null, RequestId: req.id });
  });
  return router;
}
