import { bullPrefix } from "@tat-bulk/redis";
import { type ConnectionOptions, Queue } from "bullmq";
import type { ChunkJobData } from "./batch-types.js";
import type { ChunkJob } from "./bulk-job-writer.js";

/**
 * Job IDs are derived, so a chunk is enqueued at most once per round and can be found to cancel it.
 * Round 0 is the batch's first pass; each retry of its failed instances is another round (BullMQ
 * keeps finished jobs a while, and would refuse the same ID twice).
 */
export function chunkJobId(batchId: string, index: number, round = 0): string {
  return round === 0 ? `${batchId}-${index}` : `${batchId}-${index}-r${round}`;
}

/**
 * Options every chunk job gets. Retries are the worker's (a rate-limit refusal must not spend an
 * attempt, which BullMQ's own attempts cannot express), so BullMQ runs each job once; finished
 * jobs are kept for a day and at most 10,000, since the batch record holds every outcome anyway.
 */
export const CHUNK_JOB_OPTIONS = {
  attempts: 1,
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
} as const;

/** `inflight`: the scheduler's entry the job clears when it ends. */
export function chunkJob(
  batchId: string,
  index: number,
  round = 0,
  inflight?: { budget: string; slot: string },
): ChunkJob {
  return {
    name: "chunk",
    data: { batchId, index, ...inflight },
    opts: { ...CHUNK_JOB_OPTIONS, jobId: chunkJobId(batchId, index, round) },
  };
}

export function createChunkQueue(name: string, connection: ConnectionOptions): Queue<ChunkJobData> {
  return new Queue<ChunkJobData>(name, {
    connection,
    prefix: bullPrefix(name),
    defaultJobOptions: CHUNK_JOB_OPTIONS,
  });
}
