import { once } from "node:events";
import type { PurgeOutcome, Quietness } from "@tat-bulk/retention";
import { exportBatch } from "@tat-bulk/retention";
import { type Request, Router } from "express";
import { apiError } from "../api-error.js";
import { auditIntent } from "../audit/audit-requests.js";
import { requireScope } from "../callers/caller-guards.js";
import type { BatchRoutesDeps } from "./batch-services.js";
import { notFound, ownedBatch, summaryBody } from "./route-params.js";

const NOT_FINISHED: Record<Exclude<Quietness, { finished: true }>["reason"], string> = {
  missing: "it is gone",
  unfinished: "it is not final",
  invokers: "its invoker action is not done",
  runs: "its runs are still followed",
  schedule: "its invokers fire again (disable or delete them first)",
  deliveries: "its webhooks are still being delivered",
};

const purgeAsked = (req: Request) => req.query.purge === "true";

/**
 * What retention offers a caller: the export of a batch (NDJSON: the batch, its chunks, its
 * instances, its runs and their instances, then an `end` line with the counts), and its removal
 * before its expiry (`DELETE …?purge=true`, finished batches only, scope batches:cancel, audited).
 */
export function batchRetentionRouter(deps: BatchRoutesDeps): Router {
  const router = Router();
  const { batches, metrics } = deps;

  router.get("/invoker-batches/:batchId/export", requireScope("batches:read", metrics), async (req, res) => {
    const summary = await ownedBatch(req, batches.reads);
    res.status(200).type("application/x-ndjson");
    res.setHeader("Content-Disposition", `attachment; filename="${summary.BatchId}.ndjson"`);
    let closed = false;
    res.on("close", () => {
      closed = true;
    });
    try {
      const lines = exportBatch(
        { reads: batches.reads, runs: batches.runs },
        summary.BatchId,
        summaryBody(summary),
      );
      for await (const line of lines) {
        if (closed) break;
        if (!res.write(`${JSON.stringify(line)}\n`)) await once(res, "drain");
      }
    } catch (error) {
      // Headers are gone: the export ends without its `end` line, which tells the reader it is cut.
      req.log.error({ batchId: summary.BatchId, err: (error as Error).message }, "export cut short");
    }
    res.end();
  });

  router.delete(
    "/invoker-batches/:batchId",
    (req, _res, next) => next(purgeAsked(req) ? undefined : "route"),
    requireScope("batches:cancel", metrics),
    auditIntent(deps.audit, "purge"),
    async (req, res) => {
      const { BatchId } = await ownedBatch(req, batches.reads);
      const quiet = await batches.retention.check(BatchId);
      if (!quiet.finished) {
        if (quiet.reason === "missing") throw notFound(BatchId);
        throw apiError(
          "FailedOperation.BatchNotFinished",
          `Batch ${BatchId} cannot be purged: ${NOT_FINISHED[quiet.reason]}`,
        );
      }
      const outcome: PurgeOutcome = await batches.retention.purge(BatchId);
      if (outcome === "missing") throw notFound(BatchId);
      if (outcome !== "purged") {
        throw apiError(
          "FailedOperation.BatchNotFinished",
          `Batch ${BatchId} changed while it was purged: ${outcome}`,
        );
      }
      req.log.info({ batchId: BatchId }, "batch purged");
      res.json({ BatchId, Purged: true, RequestId: req.id });
    },
  );
  return router;
}
