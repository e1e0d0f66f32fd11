import { type ChunkJobData, createChunkQueue, type JobSink, queueJobSink } from "@tat-bulk/chunk-queue";
import { once } from "@tat-bulk/config";
import type { RedisClient } from "@tat-bulk/redis";
import { ChunkScheduler } from "@tat-bulk/scheduler";
import type { Queue } from "bullmq";
import { BatchReads } from "./batch-reads.js";
import { type RetryResult, retryFailed } from "./batch-retry.js";
import { markStopped, type Stop, sweepStoppedBatch } from "./batch-stop.js";
import type { BatchSummary, InvokerState } from "./batch-types.js";
import {
  BatchWriter,
  type BatchWriterDeps,
  type ChunkSink,
  type ErrorLog,
  pendingListSink,
} from "./batch-writer.js";
import { ChunkTransitions } from "./chunk-transitions.js";
import { IdempotencyKeys } from "./idempotency-keys.js";
import { createInvokerQueue, type InvokerJobData, requestInvokerAction } from "./invoker-actions.js";
import { type RedisKeys, redisKeys } from "./keys.js";

/** What a cancel does to the invokers the batch already created. */
export type CancelInvokers = "disable" | "delete" | "keep";
const CANCEL_TARGET: Record<CancelInvokers, InvokerState | undefined> = {
  disable: "DISABLED",
  delete: "DELETED",
  keep: undefined,
};

/** The pieces of one queue namespace's batch store, each for the process that needs it. */
export interface Batches {
  keys: RedisKeys;
  queue: Queue<ChunkJobData>;
  invokerQueue: Queue<InvokerJobData>;
  /** Adds chunk jobs to the queue (the scheduler's dispatch, the reconciler's repairs). */
  jobs: JobSink;
  /** Which chunk goes next (the intake hands chunks to it; the workers' dispatch leases them). */
  scheduler: ChunkScheduler;
  /** Chunks of unfinished batches waiting for a lease: most of a backlog (drain estimates, metrics). */
  waitingChunks(): Promise<number>;
  /** Read models: the API's and the workers'. */
  reads: BatchReads;
  /** The enqueue path (the intake). */
  writer: BatchWriter;
  /** Chunk state changes (the workers). */
  transitions: ChunkTransitions;
  /** Cancel: stops what is not sent, then disables (default), deletes or keeps what was created. */
  cancel(batchId: string, invokers?: CancelInvokers): Promise<BatchSummary | undefined>;
  /** Stops the batch on an error every chunk would meet, and ends its queued chunks. */
  stop(batchId: string, stop: Stop): Promise<void>;
  /** Ends the queued chunks of a batch that MaxErrors stopped. */
  sweep(batchId: string): Promise<void>;
  /** Brings every invoker of the batch to `target`; undefined for an unknown batch. */
  invokerAction(batchId: string, target: InvokerState): Promise<{ seq: number; chunks: number } | undefined>;
  /** Sends the batch's failed instances again. */
  retry(batchId: string): Promise<RetryResult>;
  /** Closes the queues; the Redis connection is the caller's. Idempotent. */
  close(): Promise<void>;
}

export interface OpenBatchesOptions {
  log: ErrorLog;
  /** Wraps where a new batch's chunks wait for the scheduler (a test injects failures this way). */
  sink?: (chunks: ChunkSink) => ChunkSink;
  slice?: number;
  /** BATCH_RETENTION (a batch's ExpiresAt is when it finished plus this). */
  retentionMs?: number;
  /** Replicas a new batch must reach (the intake's INTAKE_MIN_REPLICAS). */
  replicas?: BatchWriterDeps["replicas"];
}

/**
 * Wires a namespace's batch store on one connection. The queue shares it: Redis runs one
 * connection's commands in order, which lets a batch's records and its jobs be written without
 * waiting for each other.
 */
export function openBatches(redis: RedisClient, queueName: string, options: OpenBatchesOptions): Batches {
  const keys = redisKeys(queueName);
  const queue = createChunkQueue(queueName, redis);
  const invokerQueue = createInvokerQueue(queueName, redis);
  const reads = new BatchReads(redis, keys, options.retentionMs);
  const jobs = queueJobSink(queue);
  const pending = pendingListSink(redis, keys);
  const writer = new BatchWriter({
    redis,
    keys,
    chunks: options.sink ? options.sink(pending) : pending,
    idempotency: new IdempotencyKeys(redis, keys, reads),
    log: options.log,
    ...(options.slice ? { slice: options.slice } : {}),
    ...(options.replicas ? { replicas: options.replicas } : {}),
  });
  const scheduler = new ChunkScheduler(redis, keys);
  const transitions = new ChunkTransitions(redis, keys);
  const stopDeps = { redis, keys, queue, reads, scheduler };
  const invokerAction = (batchId: string, target: InvokerState) =>
    requestInvokerAction({ redis, keys, reads, invokerQueue }, batchId, target);
  return {
    keys,
    queue,
    invokerQueue,
    jobs,
    scheduler,
    waitingChunks: async () => scheduler.waitingCount(await redis.zrange(keys.unfinished, 0, -1)),
    reads,
    writer,
    transitions,
    async cancel(batchId, invokers = "disable") {
      const summary = await reads.summary(batchId);
      if (!summary || summary.FinishedAt) return summary;
      if ((await markStopped(stopDeps, batchId, { kind: "cancel" })) === "missing") return undefined;
      // Asked before the queued chunks are swept, so the batch waits for its invokers to be done.
      const target = CANCEL_TARGET[invokers];
      if (target) await invokerAction(batchId, target);
      await sweepStoppedBatch(stopDeps, batchId);
      return reads.summary(batchId);
    },
    async stop(batchId, stop) {
      if ((await markStopped(stopDeps, batchId, stop)) !== "missing")
        await sweepStoppedBatch(stopDeps, batchId);
    },
    async sweep(batchId) {
      await sweepStoppedBatch(stopDeps, batchId);
    },
    invokerAction,
    retry: (batchId) => retryFailed({ redis, keys, reads, transitions, scheduler }, batchId),
    close: once(async () => {
      await Promise.all([queue.close(), invokerQueue.close()]);
    }),
  };
}
