import type { BatchSummary, InvokerState } from "@tat-bulk/batches";
import { type Caller, hasScope, type Scope } from "@tat-bulk/callers";
import { type Request, type RequestHandler, type Response, Router } from "express";
import { apiError } from "../api-error.js";
import { auditIntent } from "../audit/audit-requests.js";
import { checkAllowLists, requireScope } from "../callers/caller-guards.js";
import { withinQuota } from "../callers/caller-quota.js";
import type { BatchRoutesDeps } from "./batch-services.js";
import { enumParam, notFound, ownedBatch, summaryBody } from "./route-params.js";

const INVOKER_ROUTES: ReadonlyArray<[string, InvokerState]> = [
  ["disable", "DISABLED"],
  ["enable", "ENABLED"],
  ["delete-invokers", "DELETED"],
];

const CANCEL_INVOKERS = ["disable", "delete", "keep"] as const;
type CancelInvokers = (typeof CANCEL_INVOKERS)[number];

/** What a cancel does to the invokers: what was asked, unless the caller may not touch invokers. */
function cancelInvokers(req: Request): { asked: CancelInvokers; applied: CancelInvokers } {
  const asked = enumParam(req, "invokers", CANCEL_INVOKERS) ?? "disable";
  return { asked, applied: hasScope(req.caller, "invokers:write") ? asked : "keep" };
}

/** The batch's request, checked again against the caller's allow-lists as they are now. */
function stillAllowed(caller: Caller, summary: BatchSummary, deps: BatchRoutesDeps): void {
  checkAllowLists(
    caller,
    { ...summary.request, Region: summary.request.Region || deps.defaultRegion },
    deps.metrics,
  );
}

/**
 * What can be done to a batch after it was submitted: cancel it (and disable, delete or keep what it
 * created), retry its failed instances, disable, enable or delete all its invokers. Each is written
 * to the audit trail before it acts.
 */
export function batchActionsRouter(deps: BatchRoutesDeps): Router {
  const router = Router();
  const { batches, metrics, audit } = deps;
  /** A route on one of the caller's batches: scope-checked, audited, then `handle` with the batch. */
  const act = (
    method: "post" | "delete",
    path: string,
    action: string,
    scope: Scope,
    handle: (req: Request, res: Response, summary: BatchSummary) => Promise<void>,
    details?: (req: Request) => Record<string, string>,
    gates: RequestHandler[] = [],
  ) =>
    router[method](
      `/invoker-batches/:batchId${path}`,
      requireScope(scope, metrics),
      ...gates,
      auditIntent(audit, action, details),
      async (req, res) => handle(req, res, await ownedBatch(req, batches.reads)),
    );

  act(
    "delete",
    "",
    "cancel",
    "batches:cancel",
    async (req, res, { BatchId }) => {
      const { asked, applied } = cancelInvokers(req);
      const summary = await batches.cancel(BatchId, applied);
      if (!summary) throw notFound(BatchId);
      req.log.info({ batchId: BatchId, invokers: applied }, "batch cancel asked");
      res.json({
        ...summaryBody(summary),
        CancelInvokers: applied,
        ...(applied !== asked
          ? {
              CancelInvokersReason: `The caller ${req.caller.Name} lacks invokers:write: its invokers are kept`,
            }
          : {}),
        RequestId: req.id,
      });
    },
    (req) => {
      const { asked, applied } = cancelInvokers(req);
      return { Invokers: asked, Applied: applied };
    },
  );

  for (const [path, target] of INVOKER_ROUTES) {
    act(
      "post",
      `/${path}`,
      path,
      "invokers:write",
      async (req, res, summary) => {
        // Enabling runs the batch's command again: the caller must still be allowed to run it.
        if (target === "ENABLED") stillAllowed(req.caller, summary, deps);
        const action = await batches.invokerAction(summary.BatchId, target);
        if (!action) throw notFound(summary.BatchId);
        req.log.info({ batchId: summary.BatchId, target, chunks: action.chunks }, "invoker action asked");
        res.status(202).json({
          BatchId: summary.BatchId,
          Target: target,
          ChunksQueued: action.chunks,
          StatusUrl: `/v1/invoker-batches/${summary.BatchId}`,
          RequestId: req.id,
        });
      },
      () => ({ Target: target }),
    );
  }

  act(
    "post",
    "/retry",
    "retry",
    "batches:write",
    async (req, res, summary) => {
      const batchId = summary.BatchId;
      stillAllowed(req.caller, summary, deps);
      // What goes again counts against the caller's quota of unfinished instances, as a submit does.
      const stopped = summary.StopReason?.Code === "MaxErrorsExceeded" ? summary.Instances.Cancelled : 0;
      const result = await withinQuota(
        deps.quota,
        req.caller,
        summary.Instances.Failed + stopped,
        undefined,
        () => batches.retry(batchId),
      );
      if (result.kind === "missing") throw notFound(batchId);
      if (result.kind === "cancelled") {
        throw apiError(
          "FailedOperation.BatchCancelled",
          `Batch ${batchId} was cancelled; submit its instances again`,
        );
      }
      req.log.info({ batchId, instances: result.instances }, "batch retry");
      res.status(202).json({
        BatchId: batchId,
        InstancesRequeued: result.instances,
        ChunksRequeued: result.chunks,
        StatusUrl: `/v1/invoker-batches/${batchId}`,
        RequestId: req.id,
      });
    },
    undefined,
    [deps.memoryGate],
  );

  return router;
}
