import type { CommitExtras } from "@tat-bulk/batches";
import type { AuditOutcome, AuditTally, AuditTrail, NewAuditEntry } from "@tat-bulk/callers";
import type { Request, RequestHandler, Response } from "express";
import { cleanAuditText, describeRoute } from "./describe-route.js";

const REFUSED = new Set([401, 403, 404, 409, 413, 429]);

export interface AuditDeps {
  audit: AuditTrail;
  tally: AuditTally;
}

export const outcomeOf = (status: number): AuditOutcome =>
  status < 400 ? "ok" : REFUSED.has(status) ? "refused" : "failed";

/** req.ip parses the forwarding headers on every read: once per request is enough. */
function sourceOf(req: Request, res: Response): string {
  const known: unknown = res.locals.auditSource;
  if (typeof known === "string") return known;
  const source = req.ip ?? "";
  res.locals.auditSource = source;
  return source;
}

/** What the trail records of a request: who, what, which batch, from where (never a key or a body). */
export function entryOf(req: Request, res: Response): Omit<NewAuditEntry, "Outcome" | "Status" | "Code"> {
  const action: unknown = res.locals.auditAction;
  const batchId: unknown = res.locals.auditBatchId;
  // A route that names its action (auditIntent) also names its batch, if it has one: the path is
  // parsed only for requests no such route took.
  const described =
    typeof action === "string"
      ? undefined
      : describeRoute(req.method, (req.originalUrl.split("?")[0] ?? "").replace(/^\/v1/, ""));
  return {
    Caller: req.caller?.Name ?? "unauthenticated",
    Action: typeof action === "string" ? action : (described?.action ?? "unknown"),
    BatchId: typeof batchId === "string" ? batchId : (described?.batchId ?? null),
    RequestId: req.id,
    Source: sourceOf(req, res),
  };
}

/**
 * Records how every /v1 request ended, at the moment its answer is made (res.end), whether or not
 * the client is still there to read it. State-changing requests were recorded before they acted
 * (auditIntent); this is their outcome. Reads and 429s are many and alike: counted, one entry per
 * kind and minute (AuditTally). Refused keys are counted where they are refused (caller-auth).
 */
export function auditRequests(deps: AuditDeps): RequestHandler {
  return (req, res, next) => {
    const end = res.end.bind(res) as (...args: unknown[]) => Response;
    let recorded = false;
    res.end = ((...args: unknown[]) => {
      if (!recorded) {
        recorded = true;
        try {
          record(deps, req, res);
        } catch (error) {
          // The answer goes out whatever the trail makes of it.
          req.log.error({ err: error }, "audit record failed");
        }
      }
      return end(...args);
    }) as Response["end"];
    next();
  };
}

function record(deps: AuditDeps, req: Request, res: Response): void {
  if (res.locals.auditTallied === true) return;
  const written = res.locals[OUTCOME_WRITTEN] === res.statusCode;
  const code: unknown = res.locals.errorCode;
  const status = res.statusCode;
  const entry = {
    ...entryOf(req, res),
    Outcome: outcomeOf(status),
    Status: status,
    Code: typeof code === "string" ? code : null,
  };
  if (req.method === "GET" || status === 429) {
    deps.tally.add(entry);
    return;
  }
  req.log.info({ audit: entry }, "audit");
  if (written) return;
  deps.audit
    .append(entry)
    .catch((error: unknown) => req.log.warn({ err: (error as Error).message }, "audit append failed"));
}

/** The status whose outcome entry went in with the action's own write (outcomeInCommit). */
const OUTCOME_WRITTEN = "auditOutcomeWritten";

/**
 * A submit's outcome, written in its batch's commit: one write less per submit, and a batch that
 * became visible cannot lack it. Once the writer says it held (outcomeCommitted), the answer is
 * recorded again only if it differs (a batch committed but not confirmed by its replicas: 503).
 */
export function outcomeInCommit(
  audit: AuditTrail,
  req: Request,
  res: Response,
  status: number,
): CommitExtras {
  return {
    inCommit: (multi, batchId) =>
      audit.appendIn(multi, {
        ...entryOf(req, res),
        BatchId: batchId,
        Outcome: outcomeOf(status),
        Status: status,
        Code: null,
      }),
  };
}

export function outcomeCommitted(res: Response, status: number): void {
  res.locals[OUTCOME_WRITTEN] = status;
}

/** Where a route that overlaps its intent's write with its own checks finds it (see auditIntent). */
const INTENT = "auditIntentWritten";

/**
 * A state-changing route's first step once its caller may take it: the action is written to the
 * trail, with the parameters that matter, before anything changes. If it cannot be written, the
 * request fails (503 while Redis is away) and nothing is done. With `overlap`, the write goes out
 * at once and the route goes on with what changes nothing (validation, chunking: milliseconds of
 * CPU for a large batch, which hide the round trip); it must await intentWritten before it writes.
 */
export function auditIntent(
  audit: AuditTrail,
  action: string,
  details: (req: Request) => NewAuditEntry["Details"] = () => null,
  options: { overlap?: boolean } = {},
): RequestHandler {
  return async (req, res, next) => {
    res.locals.auditAction = action;
    if (typeof req.params.batchId === "string") res.locals.auditBatchId = cleanAuditText(req.params.batchId);
    const written = audit.append({
      ...entryOf(req, res),
      Outcome: "started",
      Status: null,
      Code: null,
      Details: details(req),
    });
    if (!options.overlap) {
      await written;
      next();
      return;
    }
    // Settled with what stopped it, so that a route refusing early leaves no rejection unhandled.
    res.locals[INTENT] = written.then(
      () => undefined,
      (error: unknown) => error ?? new Error("audit append failed"),
    );
    next();
  };
}

/** Resolves once the route's overlapped intent is written; throws what stopped it. */
export async function intentWritten(res: Response): Promise<void> {
  const pending: unknown = res.locals[INTENT];
  if (!(pending instanceof Promise)) return;
  const error: unknown = await pending;
  if (error !== undefined) throw error;
}
