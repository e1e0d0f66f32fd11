import { randomBytes } from "node:crypto";
import type { RedisClient } from "@tat-bulk/redis";
import { type InstanceChunk, maxErrorsThreshold } from "@tat-bulk/tat-api";
import { summaryFromHash } from "./batch-reads.js";
import type { BatchCallFields, BatchSummary } from "./batch-types.js";
import type { JobSink } from "./bulk-job-writer.js";
import { encodeChunk } from "./chunk-codec.js";
import { chunkJob } from "./chunk-queue.js";
import { newChunkRecord } from "./chunk-record.js";
import { CHUNK_COUNTER_FIELDS } from "./chunk-tally.js";
import type { Idempotency, IdempotencyKeys } from "./idempotency-keys.js";
import type { RedisKeys } from "./keys.js";

/** A batch being written expires by itself if its writer dies before committing it. */
const STAGING_TTL_SECONDS = 3600;
/**
 * Jobs per script call. Calls go out as they are built, so Redis runs one while the next is
 * encoded, and no single call holds Redis for long (100 jobs: about 1.3 ms).
 */
const DEFAULT_JOB_SLICE = 100;

export interface NewBatch {
  /** The caller submitting it: it owns the batch. */
  caller?: string;
  request: BatchCallFields;
  chunks: InstanceChunk[];
  instanceCount: number;
  duplicatesRemoved: number;
  idempotency?: Idempotency;
}

export type CreateBatchResult =
  | { kind: "created"; summary: BatchSummary }
  | { kind: "replayed"; summary: BatchSummary }
  | { kind: "idempotency-conflict" }
  | { kind: "idempotency-in-progress" };

/** Where a failed rollback is reported (pino's logger fits). */
export interface ErrorLog {
  error(details: object, message: string): void;
}

export interface BatchWriterDeps {
  redis: RedisClient;
  keys: RedisKeys;
  jobs: JobSink;
  idempotency: IdempotencyKeys;
  log: ErrorLog;
  /** Jobs per call to the sink. */
  jobSlice?: number;
}

/** A MULTI's outcome, rejected when any of its commands failed (exec itself resolves anyway). */
async function committed(exec: Promise<[Error | null, unknown][] | null>): Promise<void> {
  const results = await exec;
  const failed = results?.find(([error]) => error);
  if (!results || failed) throw failed?.[0] ?? new Error("transaction aborted");
}

/**
 * The enqueue path. A batch appears whole or not at all: its records are written as STAGING with
 * a TTL (invisible, and skipped by workers) together with its jobs, then one MULTI makes it
 * visible. Any failure before that removes what was written.
 */
export class BatchWriter {
  private readonly jobSlice: number;

  constructor(private readonly deps: BatchWriterDeps) {
    this.jobSlice = deps.jobSlice ?? DEFAULT_JOB_SLICE;
  }

  async create(batch: NewBatch): Promise<CreateBatchResult> {
    const batchId = `bat-${randomBytes(8).toString("hex")}`;
    if (batch.idempotency) {
      const reserved = await this.deps.idempotency.reserve(batch.idempotency, batchId);
      if (reserved.kind === "conflict") return { kind: "idempotency-conflict" };
      if (reserved.kind === "in-progress") return { kind: "idempotency-in-progress" };
      if (reserved.kind === "replayed") return reserved;
    }
    const record = this.batchRecord(batch);
    const jobIds: string[] = [];
    try {
      await this.writeStaged(batchId, batch, record, jobIds);
      const { redis, keys } = this.deps;
      const commit = redis
        .multi()
        .hset(keys.batch(batchId), "status", "QUEUED")
        .persist(keys.batch(batchId))
        .persist(keys.chunks(batchId))
        .zadd(keys.batchIndex, record.createdAt, batchId)
        .zadd(keys.unfinished, record.createdAt, batchId);
      if (batch.caller !== undefined) {
        commit
          .zadd(keys.callerBatches(batch.caller), record.createdAt, batchId)
          .zadd(keys.callerOpen(batch.caller), record.createdAt, batchId);
      }
      await committed(commit.exec());
    } catch (error) {
      await this.rollback(batchId, jobIds, batch.idempotency?.key).catch((rollbackError: unknown) =>
        this.deps.log.error(
          { batchId, err: rollbackError, jobs: jobIds.length },
          "rollback of a failed batch write failed; its STAGING record expires by itself",
        ),
      );
      throw error;
    }
    const summary = summaryFromHash(batchId, record);
    if (!summary) throw new Error(`batch ${batchId}: unreadable record`);
    return { kind: "created", summary };
  }

  private batchRecord(batch: NewBatch): Record<string, string> & { createdAt: string } {
    const now = String(Date.now());
    const counts = Object.fromEntries(Object.values(CHUNK_COUNTER_FIELDS).map((field) => [field, "0"]));
    return {
      status: "QUEUED",
      request: JSON.stringify(batch.request),
      instanceCount: String(batch.instanceCount),
      chunkCount: String(batch.chunks.length),
      duplicatesRemoved: String(batch.duplicatesRemoved),
      ...(batch.caller === undefined ? {} : { caller: batch.caller }),
      ...(batch.request.MaxErrors === undefined
        ? {}
        : { maxErrors: String(maxErrorsThreshold(batch.request.MaxErrors, batch.instanceCount)) }),
      ...counts,
      [CHUNK_COUNTER_FIELDS.QUEUED]: String(batch.chunks.length),
      createdAt: now,
      updatedAt: now,
    };
  }

  /**
   * Everything goes out on one connection, so Redis runs it in this order: the batch before its
   * jobs (a worker that finds no batch drops the job), then the chunk records, which only a
   * committed batch needs: they are built while Redis runs the jobs.
   */
  private async writeStaged(
    batchId: string,
    batch: NewBatch,
    record: Record<string, string>,
    jobIds: string[],
  ): Promise<void> {
    const { redis, keys, jobs } = this.deps;
    const batchKey = keys.batch(batchId);
    const writes: Promise<unknown>[] = [
      committed(
        redis
          .multi()
          .hset(batchKey, { ...record, status: "STAGING" })
          .expire(batchKey, STAGING_TTL_SECONDS)
          .exec(),
      ),
    ];
    for (let start = 0; start < batch.chunks.length; start += this.jobSlice) {
      const slice = batch.chunks.slice(start, start + this.jobSlice).map((chunk) => {
        const job = chunkJob(batchId, chunk.index);
        jobIds.push(job.opts.jobId);
        return job;
      });
      writes.push(jobs.add(slice));
    }
    const fields: string[] = [];
    for (const chunk of batch.chunks) {
      fields.push(String(chunk.index), encodeChunk(newChunkRecord(chunk.instanceType, chunk.instanceIds)));
    }
    writes.push(
      committed(
        redis
          .multi()
          .hset(keys.chunks(batchId), ...fields)
          .expire(keys.chunks(batchId), STAGING_TTL_SECONDS)
          .exec(),
      ),
    );
    // Every write settles before a rollback runs, so a rollback sees all that was written.
    const settled = await Promise.allSettled(writes);
    const rejected = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (rejected) throw rejected.reason;
  }

  private async rollback(batchId: string, jobIds: readonly string[], idempotencyKey?: string): Promise<void> {
    const { redis, keys, jobs } = this.deps;
    // A worker that already picked a job sees the batch gone and drops it.
    await redis.del(keys.batch(batchId), keys.chunks(batchId));
    await jobs.remove(jobIds);
    if (idempotencyKey) await this.deps.idempotency.release(idempotencyKey);
  }
}
