import { once } from "@tat-bulk/config";
import type { RedisClient } from "@tat-bulk/redis";
import type { Queue } from "bullmq";
import { cancelBatch } from "./batch-cancel.js";
import { BatchReads } from "./batch-reads.js";
import { type RetryResult, retryFailed } from "./batch-retry.js";
import type { BatchSummary, ChunkJobData } from "./batch-types.js";
import { BatchWriter, type ErrorLog } from "./batch-writer.js";
import { BulkJobWriter, type BulkJobWriterOptions, type JobSink } from "./bulk-job-writer.js";
import { createChunkQueue } from "./chunk-queue.js";
import { ChunkTransitions } from "./chunk-transitions.js";
import { IdempotencyKeys } from "./idempotency-keys.js";
import { type RedisKeys, redisKeys } from "./keys.js";

/** The pieces of one queue namespace's batch store, each for the process that needs it. */
export interface Batches {
  keys: RedisKeys;
  queue: Queue<ChunkJobData>;
  jobs: BulkJobWriter;
  /** Read models: the API's and the workers'. */
  reads: BatchReads;
  /** The enqueue path (the intake). */
  writer: BatchWriter;
  /** Chunk state changes (the workers). */
  transitions: ChunkTransitions;
  cancel(batchId: string): Promise<BatchSummary | undefined>;
  /** Sends the batch's failed instances again. */
  retry(batchId: string): Promise<RetryResult>;
  /** Closes the queue; the Redis connection is the caller's. Idempotent. */
  close(): Promise<void>;
}

export interface OpenBatchesOptions {
  log: ErrorLog;
  onFallback?: BulkJobWriterOptions["onFallback"];
  /** Wraps the job sink (a test injects failures this way). */
  sink?: (jobs: BulkJobWriter) => JobSink;
  jobSlice?: number;
}

/**
 * Wires a namespace's batch store on one connection. The queue shares it: Redis runs one
 * connection's commands in order, which lets a batch's records and its jobs be written without
 * waiting for each other.
 */
export function openBatches(redis: RedisClient, queueName: string, options: OpenBatchesOptions): Batches {
  const keys = redisKeys(queueName);
  const queue = createChunkQueue(queueName, redis);
  const reads = new BatchReads(redis, keys);
  const jobs = new BulkJobWriter(redis, queue, options.onFallback ? { onFallback: options.onFallback } : {});
  const writer = new BatchWriter({
    redis,
    keys,
    jobs: options.sink ? options.sink(jobs) : jobs,
    idempotency: new IdempotencyKeys(redis, keys, reads),
    log: options.log,
    ...(options.jobSlice ? { jobSlice: options.jobSlice } : {}),
  });
  const transitions = new ChunkTransitions(redis, keys);
  return {
    keys,
    queue,
    jobs,
    reads,
    writer,
    transitions,
    cancel: (batchId) => cancelBatch({ redis, keys, queue, reads }, batchId),
    retry: (batchId) => retryFailed({ reads, transitions, jobs }, batchId),
    close: once(() => queue.close()),
  };
}
