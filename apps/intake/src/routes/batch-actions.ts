import type { InvokerState } from "@tat-bulk/batches";
import { Router } from "express";
import { apiError } from "../api-error.js";
import type { BatchRoutesDeps } from "./batch-services.js";
import { batchIdParam, enumParam, notFound, summaryBody } from "./route-params.js";

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
  const { batches } = deps;

  router.delete("/invoker-batches/:batchId", async (req, res) => {
    const batchId = batchIdParam(req);
    const invokers = enumParam(req, "invokers", ["disable", "delete", "keep"] as const) ?? "disable";
    const summary = await batches.cancel(batchId, invokers);
    if (!summary) throw notFound(batchId);
    req.log.info({ batchId, invokers }, "batch cancel asked");
    res.json({ ...summaryBody(summary), RequestId: req.id });
  });

  for (const [path, target] of INVOKER_ROUTES) {
    router.post(`/invoker-batches/:batchId/${path}`, async (req, res) => {
      const batchId = batchIdParam(req);
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

  router.post("/invoker-batches/:batchId/retry", async (req, res) => {
    const batchId = batchIdParam(req);
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
