import { Router } from "express";
import { batchActionsRouter } from "./batch-actions.js";
import { batchRetentionRouter } from "./batch-retention.js";
import type { BatchRoutesDeps } from "./batch-services.js";
import { readBatchesRouter } from "./read-batches.js";
import { runsRouter } from "./runs.js";
import { submitBatchRouter } from "./submit-batch.js";

export type { BatchRoutesDeps, BatchServices } from "./batch-services.js";

/** Every /v1/invoker-batches route. */
export function invokerBatchesRouter(deps: BatchRoutesDeps): Router {
  const router = Router();
  // Retention's DELETE ?purge=true goes before the cancel it would otherwise be.
  router.use(
    submitBatchRouter(deps),
    readBatchesRouter(deps),
    batchRetentionRouter(deps),
    batchActionsRouter(deps),
    runsRouter(deps),
  );
  return router;
}
