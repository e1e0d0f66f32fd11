import type { BatchReads, BatchSummary } from "@tat-bulk/batches";
import type { Request } from "express";
import { apiError } from "../api-error.js";
import { canSee } from "../callers/caller-guards.js";

/** An integer query parameter within bounds, or 400 InvalidParameterValue naming it. */
export function intParam(req: Request, name: string, fallback: number, min: number, max: number): number {
  const raw = req.query[name];
  if (raw === undefined) return fallback;
  const value = typeof raw === "string" && /^\d{1,9}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= min && value <= max)) {
    throw apiError("InvalidParameterValue", `${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** A query parameter that must be one of `allowed` when given. */
export function enumParam<T extends string>(
  req: Request,
  name: string,
  allowed: readonly T[],
): T | undefined {
  const raw = req.query[name];
  if (raw === undefined) return undefined;
  if (typeof raw !== "string" || !(allowed as readonly string[]).includes(raw)) {
    throw apiError("InvalidParameterValue", `${name} must be one of ${allowed.join(", ")}`);
  }
  return raw as T;
}

/** The path's batch ID; a malformed one is as unknown as a missing batch (404). */
export function batchIdParam(req: Request): string {
  const id = req.params.batchId;
  if (typeof id !== "string" || !/^bat-[0-9a-f]{16}$/.test(id)) {
    throw apiError("ResourceNotFound", `No batch ${String(id).slice(0, 64)}`);
  }
  return id;
}

export const notFound = (batchId: string) => apiError("ResourceNotFound", `No batch ${batchId}`);

/**
 * The path's batch, if the caller may see it: its own, or any for admin. Another caller's batch
 * answers the same 404 as a missing one, so its existence is not disclosed.
 */
export async function ownedBatch(req: Request, reads: Pick<BatchReads, "summary">): Promise<BatchSummary> {
  const batchId = batchIdParam(req);
  const summary = await reads.summary(batchId);
  if (!summary || !canSee(req.caller, summary.Caller)) throw notFound(batchId);
  return summary;
}

/** The batch as the API shows it: its status fields, then the request's own fields. */
export function summaryBody(summary: BatchSummary) {
  const { request, CancelRequested: _c, StartedAt: _s, lastRunId: _r, ...status } = summary;
  return { ...status, ...request };
}

/** Why an unfinished batch waits: TAT is unavailable (a circuit breaker is open) since when. */
export interface Paused {
  Reason: string;
  Since: string;
}

/** A batch's status as the read routes answer it: with Paused (null when it is not waiting). */
export const readBody = (summary: BatchSummary, paused: Paused | undefined) => ({
  ...summaryBody(summary),
  Paused: summary.FinishedAt ? null : (paused ?? null),
});
