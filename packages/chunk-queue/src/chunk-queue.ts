import { bullPrefix } from "@tat-bulk/redis";
import { type BulkJobOptions, type ConnectionOptions, Queue } from "bullmq";

/** A chunk job: which chunk of which batch; the rest is in the batch's records. */
export interface ChunkJobData {
  batchId: string;
  index: number;
  /** Unforeseen errors in a row (the worker's catch-all parks the job at WORKER_JOB_MAX_ERRORS). */
  errors?: number;
  /** The scheduler's lease (@tat-bulk/scheduler LeaseHandle): renewed while the job runs, released when it ends. */
  budget?: string;
  slot?: string;
}

export interface ChunkJob {
  name: string;
  data: ChunkJobData;
  opts: BulkJobOptions & { jobId: string };
}

/** Where chunk jobs go (the scheduler's dispatch, the reconciler's repairs), and how they are taken back. */
export interface JobSink {
  /** Adds the jobs in order, in one round trip (`Queue.addBulk`). */
  add(jobs: readonly ChunkJob[]): Promise<void>;
  /** Removes the jobs no worker holds. */
  remove(jobIds: readonly string[]): Promise<void>;
}

/**
 * BullMQ's public `addBulk`. A looped-script fast path used to stand here; at the dispatcher's
 * depth (about 10 jobs per call, 20 jobs a second per budget) it saved 0.3 ms a call, 0.07% of a
 * core, for a private-file coupling to one exact BullMQ (bench/enqueue.mjs, docs/performance.md).
 */
export function queueJobSink(queue: Queue<ChunkJobData>): JobSink {
  return {
    async add(jobs) {
      await queue.addBulk([...jobs]);
    },
    async remove(jobIds) {
      await Promise.all(jobIds.map((id) => queue.remove(id)));
    },
  };
}

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

/**
 * `lease`: the scheduler's lease the job renews while it runs and releases when it ends. `telemetry`: the trace context its
 * consumer span continues (BullMQ's telemetry option, see @tat-bulk/tracing's jobTelemetry).
 */
export function chunkJob(
  batchId: string,
  index: number,
  round = 0,
  lease?: { budget: string; slot: string },
  telemetry?: { metadata: string },
): ChunkJob {
  return {
    name: "chunk",
    data: { batchId, index, ...lease },
    opts: {
      ...CHUNK_JOB_OPTIONS,
      jobId: chunkJobId(batchId, index, round),
      ...(telemetry ? { telemetry } : {}),
    },
  };
}

export function createChunkQueue(name: string, connection: ConnectionOptions): Queue<ChunkJobData> {
  return new Queue<ChunkJobData>(name, {
    connection,
    prefix: bullPrefix(name),
    defaultJobOptions: CHUNK_JOB_OPTIONS,
  });
}
