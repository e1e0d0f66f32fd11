import { bullPrefix, type RedisClient } from "@tat-bulk/redis";
import { type ConnectionOptions, Queue } from "bullmq";
import type { BatchReads } from "./batch-reads.js";
import type { InvokerState } from "./batch-types.js";
import type { ChunkInvoker, ChunkRecord } from "./chunk-record.js";
import { INVOKER_ACTION_ERROR, REQUEST_INVOKER_ACTION } from "./chunk-scripts.js";
import type { RedisKeys } from "./keys.js";
import { queueNames } from "./queue-names.js";

/** The TAT action that brings an invoker to each state (one InvokerId per call). */
export const INVOKER_TAT_ACTION: Readonly<Record<InvokerState, string>> = {
  ENABLED: "EnableInvoker",
  DISABLED: "DisableInvoker",
  DELETED: "DeleteInvoker",
};

/** One chunk's invokers to bring to the target of the batch's invoker action number `seq`. */
export interface InvokerJobData {
  batchId: string;
  index: number;
  seq: number;
}

/**
 * Tries of one invoker action job, the first included (the worker's retry policy spaces them: capped
 * doubling; its last failure is recorded as the action's error, so the action ends).
 */
export const INVOKER_ACTION_ATTEMPTS = 30;
/** The jobs' backoff: the worker's retry policy (a BullMQ custom strategy). */
export const INVOKER_ACTION_BACKOFF = "invoker-action";

/** The invoker actions' queue: separate from the chunks', so they never wait behind a create backlog. */
export const invokerQueueName = (queueName: string) => queueNames(queueName).invokers;

export function createInvokerQueue(queueName: string, connection: ConnectionOptions): Queue<InvokerJobData> {
  return new Queue<InvokerJobData>(invokerQueueName(queueName), {
    connection,
    prefix: bullPrefix(queueName),
    defaultJobOptions: {
      // Retried by BullMQ with backoff: each call is idempotent (a state already reached is kept).
      attempts: INVOKER_ACTION_ATTEMPTS,
      backoff: { type: INVOKER_ACTION_BACKOFF },
      removeOnComplete: { age: 24 * 3600, count: 10_000 },
      removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
    },
  });
}

/** Whether tat-bulk still has to act on this invoker: a deleted one stays deleted. */
export function invokerNeeds(invoker: ChunkInvoker, target: InvokerState): boolean {
  if (invoker.state === target || invoker.state === "DELETED") return false;
  return target !== "ENABLED" || invoker.state === "DISABLED";
}

export const chunkNeedsInvokerAction = (chunk: ChunkRecord, target: InvokerState) =>
  chunk.invokers.some((invoker) => invokerNeeds(invoker, target));

/**
 * The chunk's job for action `seq`, named by the chunk's version too: a chunk that creates another
 * invoker after its first job ran gets a job of its own (BullMQ refuses a finished job's ID again).
 */
export async function addInvokerJob(
  queue: Queue<InvokerJobData>,
  batchId: string,
  index: number,
  seq: number,
  version: number,
) {
  await queue.add("invokers", { batchId, index, seq }, { jobId: `${batchId}-${index}-a${seq}-v${version}` });
}

/**
 * Invoker action `seq` cannot finish (TAT refused for good): said in the batch's status, and a
 * cancelled batch that waited for it ends CANCELLED.
 */
export async function recordInvokerActionError(
  redis: RedisClient,
  keys: RedisKeys,
  batchId: string,
  seq: number,
  error: string,
): Promise<void> {
  await INVOKER_ACTION_ERROR.run(
    redis,
    [keys.batch(batchId), keys.outbox],
    [String(seq), error.slice(0, 1000), String(Date.now()), batchId],
  );
}

export interface InvokerActionDeps {
  redis: RedisClient;
  keys: RedisKeys;
  reads: BatchReads;
  invokerQueue: Queue<InvokerJobData>;
}

/**
 * Asks for every invoker of the batch to become `target`: disable (can be undone), enable, delete.
 * One job per chunk with an invoker to change; invokers created later by chunks still in flight are
 * caught by their workers (they see the batch's target when they record the invoker). Answers the
 * action's number and how many chunks were queued, or undefined for an unknown batch.
 */
export async function requestInvokerAction(
  deps: InvokerActionDeps,
  batchId: string,
  target: InvokerState,
): Promise<{ seq: number; chunks: number } | undefined> {
  const { redis, keys, reads, invokerQueue } = deps;
  const seq = await REQUEST_INVOKER_ACTION.run(
    redis,
    [keys.batch(batchId), keys.outbox, keys.expiring],
    [target, String(Date.now()), batchId],
  );
  if (seq === 0) return undefined;
  let chunks = 0;
  for (const [index, chunk] of await reads.allChunks(batchId)) {
    if (!chunkNeedsInvokerAction(chunk, target)) continue;
    await addInvokerJob(invokerQueue, batchId, index, seq, chunk.version);
    chunks++;
  }
  return { seq, chunks };
}
