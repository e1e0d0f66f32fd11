import { type BatchSummary, CHUNK_STATUSES, INSTANCE_STATUSES } from "@tat-bulk/batches";
import { MAX_INSTANCES_PER_BATCH } from "@tat-bulk/tat-api";
import { Router } from "express";
import type { BatchRoutesDeps, BatchServices } from "./batch-services.js";
import { batchIdParam, enumParam, intParam, notFound, summaryBody } from "./route-params.js";

/** The largest page of the instances route: a caller re-submits what failed 10,000 at a time. */
const MAX_INSTANCE_PAGE = 10_000;

/** GET the batch list, one batch with a page of its chunks, and a page of its instances. */
export function readBatchesRouter(deps: BatchRoutesDeps): Router {
  const router = Router();
  const { batches } = deps;

  router.get("/invoker-batches", async (req, res) => {
    const offset = intParam(req, "offset", 0, 0, 1_000_000);
    const limit = intParam(req, "limit", 20, 1, 100);
    const { total, items } = await batches.reads.list(offset, limit);
    res.json({ TotalCount: total, Batches: items.map(summaryBody), RequestId: req.id });
  });

  router.get("/invoker-batches/:batchId", async (req, res) => {
    const batchId = batchIdParam(req);
    const chunkOffset = intParam(req, "chunkOffset", 0, 0, MAX_INSTANCES_PER_BATCH);
    const chunkLimit = intParam(req, "chunkLimit", 100, 0, 1000);
    const status = enumParam(req, "status", CHUNK_STATUSES);
    const summary = await batches.reads.summary(batchId);
    if (!summary) throw notFound(batchId);
    const chunks = await batches.reads.chunkPage(batchId, {
      offset: chunkOffset,
      limit: chunkLimit,
      ...(status ? { status } : {}),
    });
    res.json({
      ...summaryBody(summary),
      EstimatedCompletionAt: await estimateCompletion(batches, summary),
      ChunkTotal: chunks.total,
      Chunks: chunks.items,
      RequestId: req.id,
    });
  });

  router.get("/invoker-batches/:batchId/instances", async (req, res) => {
    const batchId = batchIdParam(req);
    const offset = intParam(req, "offset", 0, 0, MAX_INSTANCES_PER_BATCH);
    const limit = intParam(req, "limit", 1000, 1, MAX_INSTANCE_PAGE);
    const status = enumParam(req, "status", INSTANCE_STATUSES);
    if (!(await batches.reads.summary(batchId))) throw notFound(batchId);
    const page = await batches.reads.instancePage(batchId, { offset, limit, ...(status ? { status } : {}) });
    res.json({ TotalCount: page.total, Instances: page.items, RequestId: req.id });
  });

  return router;
}

/**
 * When the batch should be done: every chunk still in the queue (this batch's and those ahead of
 * it, since the queue is FIFO) drains at the rate the workers run at. An upper bound when later
 * batches exist.
 */
async function estimateCompletion(batches: BatchServices, summary: BatchSummary): Promise<string | null> {
  if (summary.FinishedAt) return summary.FinishedAt;
  const [backlog, rate] = await Promise.all([batches.backlog(), batches.callRate()]);
  const remaining = Math.max(backlog, summary.Counts.Queued + summary.Counts.Running);
  return new Date(Date.now() + (remaining / rate) * 1000).toISOString();
}
