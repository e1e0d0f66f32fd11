import type { InvokerState } from "@tat-bulk/batches";
import type { Scope } from "@tat-bulk/callers";
import { type Request, type Response, Router } from "express";
import { apiError } from "../api-error.js";
import { audited, requireScope } from "../callers/caller-guards.js";
import type { BatchRoutesDeps } from "./batch-services.js";
import { enumParam, notFound, ownedBatch, summaryBody } from "./route-params.js";

const INVOKER_ROUTES: ReadonlyArray<[string, InvokerState]> = [
  ["disable", "DISABLED"],
  ["enable", "ENABLED"],
  ["delete-invokers", "DELETED"],
];

/**
 * What can be done to a batch after it was submitted: cancel it (and disable, delete or keep what it
 * created), retry its failed instances, disable, enable or delete all its invokers.
 */
export function batchActionsRouter(deps: BatchRoutesDeps): Router {
  const router = Router();
  const { batches, metrics } = deps;
  /** A route on one of the caller's batches: audited, scope-checked, then `handle` with its ID. */
  const act = (
    method: "post" | "delete",
    path: string,
    action: string,
    scope: Scope,
    handle: (req: Request, res: Response, batchId: string) => Promise<void>,
  ) =>
    router[method](
      `/invoker-batches/:batchId${path}`,
      audited(action),
      requireScope(scope, metrics),
      async (req, res) => handle(req, res, (await ownedBatch(req, batches.reads)).BatchId),
    );

  act("delete", "", "cancel", "batches:cancel", async (req, res, batchId) => {
    const invokers = enumParam(req, "invokers", ["disable", "delete", "keep"] as const) ?? "disable";
    const summary = await batches.cancel(batchId, invokers);
    if (!summary) throw notFound(batchId);
    req.log.info({ batchId, invokers }, "batch cancel asked");
    res.json({ ...summaryBody(summary), RequestId: req.id });
  });

  for (const [path, target] of INVOKER_ROUTES) {
    act("post", `/${path}`, path, "invokers:write", async (req, res, batchId) => {
      const action = await batches.invokerAction(batchId, target);
      if (!action) throw notFound(batchId);
      req.log.info({ batchId, target, chunks: action.chunks }, "invoker action asked");
      res.status(202).json({
        BatchId: batchId,
        Target: target,
        ChunksQueued: action.chunks,
        StatusUrl: `/v1/invoker-batches/${batchId}`,
        RequestId: req.id,
      });
    });
  }

  act("post", "/retry", "retry", "batches:write", async (req, res, batchId) => {
    const result = await batches.retry(batchId);
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
  });

  return router;
}
