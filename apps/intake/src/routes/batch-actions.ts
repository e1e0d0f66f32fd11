import { Router } from "express";
import { apiError } from "../api-error.js";
import type { BatchRoutesDeps } from "./batch-services.js";
import { batchIdParam, notFound, summaryBody } from "./route-params.js";

/** What can be done to a batch after it was submitted: cancel it, retry its failed instances. */
export function batchActionsRouter(deps: BatchRoutesDeps): Router {
  const router = Router();
  const { batches } = deps;

  router.delete("/invoker-batches/:batchId", async (req, res) => {
    const batchId = batchIdParam(req);
    const summary = await batches.cancel(batchId);
    if (!summary) throw notFound(batchId);
    req.log.info({ batchId }, "batch cancel asked");
    res.json({ ...summaryBody(summary), RequestId: req.id });
  });

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
