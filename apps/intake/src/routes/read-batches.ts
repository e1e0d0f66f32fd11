import { type BatchSummary, CHUNK_STATUSES, INSTANCE_STATUSES } from "@tat-bulk/batches";
import { isAdmin } from "@tat-bulk/callers";
import { MAX_INSTANCES_PER_BATCH } from "@tat-bulk/tat-api";
import { Router } from "express";
import { requireScope } from "../callers/caller-guards.js";
import type { BatchRoutesDeps, BatchServices } from "./batch-services.js";
import { enumParam, intParam, ownedBatch, readBody } from "./route-params.js";

/** The largest page of the instances route: a caller re-submits what failed 10,000 at a time. */
const MAX_INSTANCE_PAGE = 10_000;

/** GET the batch list, one batch with a page of its chunks, and a page of its instances. */
export function readBatchesRouter(deps: BatchRoutesDeps): Router {
  const router = Router();
  const { batches } = deps;
  const read = requireScope("batches:read", deps.metrics);

  router.get("/invoker-batches", read, async (req, res) => {
    const offset = intParam(req, "offset", 0, 0, 1_000_000);
    const limit = intParam(req, "limit", 20, 1, 100);
    const filter = typeof req.query.caller === "string" ? req.query.caller : undefined;
    // A caller lists its own batches; admin lists everyone's, or one caller's with ?caller=.
    const caller = isAdmin(req.caller) ? filter : req.caller.Name;
    const [{ total, items }, paused] = await Promise.all([
      batches.reads.list(offset, limit, caller),
      batches.paused(),
    ]);
    res.json({
      TotalCount: total,
      Batches: items.map((summary) => readBody(summary, paused)),
      RequestId: req.id,
    });
  });

  router.get("/invoker-batches/:batchId", read, async (req, res) => {
    const chunkOffset = intParam(req, "chunkOffset", 0, 0, MAX_INSTANCES_PER_BATCH);
    const chunkLimit = intParam(req, "chunkLimit", 100, 0, 1000);
    const status = enumParam(req, "status", CHUNK_STATUSES);
    const [summary, paused] = await Promise.all([ownedBatch(req, batches.reads), batches.paused()]);
    const chunks = await batches.reads.chunkPage(summary.BatchId, {
      offset: chunkOffset,
      limit: chunkLimit,
      ...(status ? { status } : {}),
    });
    res.json({
      ...readBody(summary, paused),
      LastRun: await batches.runs.last(summary.BatchId, summary.lastRunId ?? undefined),
      EstimatedCompletionAt: await estimateCompletion(batches, summary),
      ChunkTotal: chunks.total,
      Chunks: chunks.items,
      RequestId: req.id,
    });
  });

  router.get("/invoker-batches/:batchId/instances", read, async (req, res) => {
    const offset = intParam(req, "offset", 0, 0, MAX_INSTANCES_PER_BATCH);
    const limit = intParam(req, "limit", 1000, 1, MAX_INSTANCE_PAGE);
    const status = enumParam(req, "status", INSTANCE_STATUSES);
    const { BatchId } = await ownedBatch(req, batches.reads);
    const page = await batches.reads.instancePage(BatchId, { offset, limit, ...(status ? { status } : {}) });
    res.json({ TotalCount: page.total, Instances: page.items, RequestId: req.id });
  });

  return router;
}

/**
 * When the batch should be done, as an upper bound: every unfinished chunk of every batch (the
 * scheduler may send this batch's first: lanes, callers' weights and budgets are not modelled)
 * drains at the rate the workers run at.
 */
async function estimateCompletion(batches: BatchServices, summary: BatchSummary): Promise<string | null> {
  if (summary.FinishedAt) return summary.FinishedAt;
  const [backlog, rate] = await Promise.all([batches.backlog(), batches.callRate()]);
  const remaining = Math.max(backlog, summary.Counts.Queued + summary.Counts.Running);
  return new Date(Date.now() + (remaining / rate) * 1000).toISOString();
}
