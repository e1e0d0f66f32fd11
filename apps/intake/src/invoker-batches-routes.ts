import { createHash } from "node:crypto";
import { type Batches, type BatchSummary, CHUNK_STATUSES, type ChunkStatus } from "@tat-bulk/batches";
import {
  chunkInstances,
  invokerBatchSchema,
  MAX_INSTANCES_PER_BATCH,
  TAT_MAX_INSTANCES_PER_CALL,
  validateInvokerRequest,
} from "@tat-bulk/tat-api";
import { type Request, Router } from "express";
import { apiError } from "./api-error.js";
import type { IntakeMetrics } from "./metrics.js";

/** What the routes need of the batch store, wired in app.ts. */
export interface BatchServices extends Pick<Batches, "reads" | "writer" | "cancel"> {
  /** Chunk jobs not yet finished, across every batch (the queue is FIFO). */
  backlog(): Promise<number>;
  /** CreateInvoker calls per second the workers run at. */
  callRate(): Promise<number>;
}

export interface BatchRoutesDeps {
  batches: BatchServices;
  metrics: IntakeMetrics;
  defaultRegion: string;
  now: () => Date;
}

const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

function intParam(req: Request, name: string, fallback: number, min: number, max: number): number {
  const raw = req.query[name];
  if (raw === undefined) return fallback;
  const value = typeof raw === "string" && /^\d{1,9}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= min && value <= max)) {
    throw apiError("InvalidParameterValue", `${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}

function batchIdParam(req: Request): string {
  const id = req.params.batchId;
  if (typeof id !== "string" || !/^bat-[0-9a-f]{16}$/.test(id)) {
    throw apiError("ResourceNotFound", `No batch ${String(id).slice(0, 64)}`);
  }
  return id;
}

/** The batch as the API shows it: its status fields, then the request's own fields. */
function summaryBody(summary: BatchSummary) {
  const { request, CancelRequested: _c, StartedAt: _s, ...status } = summary;
  return { ...status, ...request };
}

export function invokerBatchesRouter(deps: BatchRoutesDeps): Router {
  const router = Router();
  const { batches, now } = deps;

  router.post("/invoker-batches", async (req, res) => {
    const idempotencyKey = req.get("idempotency-key");
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY_PATTERN.test(idempotencyKey)) {
      throw apiError("InvalidParameterValue", "Idempotency-Key must be 1 to 255 printable ASCII characters");
    }
    if (!req.body || Number(req.get("content-length") ?? "1") === 0) {
      throw apiError("InvalidParameter", "The body must be a JSON object");
    }
    const validation = validateInvokerRequest(invokerBatchSchema, req.body, now(), MAX_INSTANCES_PER_BATCH);
    if (!validation.ok) {
      deps.metrics.batches.inc({ outcome: "rejected" });
      throw apiError(validation.error.code, validation.error.message);
    }
    const { InstanceIds, ...fields } = validation.value;
    const request = { ...fields, Region: fields.Region ?? deps.defaultRegion };
    const chunked = chunkInstances(InstanceIds, TAT_MAX_INSTANCES_PER_CALL);
    const idempotency = idempotencyKey
      ? {
          key: idempotencyKey,
          fingerprint: createHash("sha256").update(JSON.stringify({ request, InstanceIds })).digest("hex"),
        }
      : undefined;
    const result = await batches.writer.create({
      request,
      chunks: chunked.chunks,
      instanceCount: chunked.uniqueCount,
      duplicatesRemoved: chunked.duplicatesRemoved,
      ...(idempotency ? { idempotency } : {}),
    });
    if (result.kind === "idempotency-conflict") {
      deps.metrics.batches.inc({ outcome: "rejected" });
      throw apiError(
        "InvalidParameter.IdempotencyKeyReused",
        "This Idempotency-Key was used with a different body",
      );
    }
    if (result.kind === "idempotency-in-progress") {
      throw apiError(
        "FailedOperation.IdempotencyKeyInProgress",
        "The first request with this Idempotency-Key is still being written; try again shortly",
        { "Retry-After": "1" },
      );
    }
    const { summary } = result;
    if (result.kind === "created") {
      deps.metrics.batches.inc({ outcome: "accepted" });
      deps.metrics.instancesReceived.inc(summary.InstanceCount);
      deps.metrics.chunksEnqueued.inc(summary.ChunkCount);
      req.log.info({ batchId: summary.BatchId, chunks: summary.ChunkCount }, "batch accepted");
    } else {
      deps.metrics.batches.inc({ outcome: "replayed" });
      res.setHeader("Idempotent-Replayed", "true");
    }
    const statusUrl = `/v1/invoker-batches/${summary.BatchId}`;
    res.status(202).location(statusUrl).json({
      BatchId: summary.BatchId,
      InstanceCount: summary.InstanceCount,
      ChunkCount: summary.ChunkCount,
      DuplicatesRemoved: summary.DuplicatesRemoved,
      StatusUrl: statusUrl,
      RequestId: req.id,
    });
  });

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
    const statusFilter = req.query.status;
    if (statusFilter !== undefined && !CHUNK_STATUSES.includes(statusFilter as ChunkStatus)) {
      throw apiError("InvalidParameterValue", `status must be one of ${CHUNK_STATUSES.join(", ")}`);
    }
    const summary = await batches.reads.summary(batchId);
    if (!summary) throw apiError("ResourceNotFound", `No batch ${batchId}`);
    const chunks = await batches.reads.chunkPage(batchId, {
      offset: chunkOffset,
      limit: chunkLimit,
      ...(statusFilter ? { status: statusFilter as ChunkStatus } : {}),
    });
    res.json({
      ...summaryBody(summary),
      EstimatedCompletionAt: await estimateCompletion(batches, summary),
      ChunkTotal: chunks.total,
      Chunks: chunks.items,
      RequestId: req.id,
    });
  });

  router.delete("/invoker-batches/:batchId", async (req, res) => {
    const batchId = batchIdParam(req);
    const summary = await batches.cancel(batchId);
    if (!summary) throw apiError("ResourceNotFound", `No batch ${batchId}`);
    res.json({ ...summaryBody(summary), RequestId: req.id });
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
