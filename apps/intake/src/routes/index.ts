import { Router } from "express";
import { batchActionsRouter } from "./batch-actions.js";
import type { BatchRoutesDeps } from "./batch-services.js";
import { readBatchesRouter } from "./read-batches.js";
import { runsRouter } from "./runs.js";
import { submitBatchRouter } from "./submit-batch.js";

export type { BatchRoutesDeps, BatchServices } from "./batch-services.js";

/** Every /v1/invoker-batches route. */
export function invokerBatchesRouter(deps: BatchRoutesDeps): Router {
  const router = Router();
  router.use(submitBatchRouter(deps), readBatchesRouter(deps), batchActionsRouter(deps), runsRouter(deps));
  return router;
}
