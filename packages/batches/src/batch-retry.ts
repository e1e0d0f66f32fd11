import type { RedisClient } from "@tat-bulk/redis";
import type { ChunkScheduler } from "@tat-bulk/scheduler";
import { MAX_ERRORS_CODE } from "./batch-codec.js";
import { unstampExpiry } from "./batch-expiry.js";
import { BATCH_FIELD as B } from "./batch-hash.js";
import type { BatchReads } from "./batch-reads.js";
import { FINAL_CHUNK_STATUSES } from "./batch-types.js";
import { type ChunkPart, type ChunkRecord, newPart } from "./chunk-record.js";
import type { ChunkTransitions } from "./chunk-transitions.js";
import type { RedisKeys } from "./keys.js";

export interface BatchRetryDeps {
  redis: RedisClient;
  keys: RedisKeys;
  reads: BatchReads;
  transitions: ChunkTransitions;
  scheduler: Pick<ChunkScheduler, "admit">;
}

export type RetryResult =
  | { kind: "requeued"; instances: number; chunks: number }
  | { kind: "missing" }
  | { kind: "cancelled" };

/** Instances a retry sends again: the failed ones, and those a MaxErrors stop kept from being sent. */
export function retriable(chunk: ChunkRecord): number {
  const stopped = chunk.cancelled?.code === MAX_ERRORS_CODE ? chunk.cancelled.instanceIds.length : 0;
  return chunk.failed.length + stopped;
}

/**
 * A finished chunk's retriable instances as parts to send again, in a new round. An instance whose
 * call had an uncertain outcome keeps its old part's key and is looked up first (its invoker may
 * exist after all); the others go in one new part. Their agents are checked again.
 */
export function retryParts(chunk: ChunkRecord): { round: number; parts: ChunkPart[] } {
  const round = chunk.round + 1;
  const fresh: string[] = chunk.cancelled?.code === MAX_ERRORS_CODE ? [...chunk.cancelled.instanceIds] : [];
  const uncertain = new Map<string, string[]>();
  for (const failed of chunk.failed) {
    if (failed.uncertainPart === undefined) fresh.push(failed.instanceId);
    else
      uncertain.set(failed.uncertainPart, [
        ...(uncertain.get(failed.uncertainPart) ?? []),
        failed.instanceId,
      ]);
  }
  const parts = [...uncertain].map(([key, ids]) => newPart(key, ids, { mayExist: true }));
  if (fresh.length) parts.push(newPart(`r${round}`, fresh));
  return { round, parts };
}

/**
 * POST …/retry: every finished chunk with failed instances (or instances a MaxErrors stop held back)
 * goes back to the scheduler with them (as its new round), and a stop on MaxErrors or on an error
 * every chunk met is lifted: retrying is deciding to try again. Each chunk moves in one
 * compare-and-set write, so two retries at once move each instance once; chunks still in progress
 * are left to finish (a later retry takes their failures).
 */
export async function retryFailed(deps: BatchRetryDeps, batchId: string): Promise<RetryResult> {
  const summary = await deps.reads.summary(batchId);
  if (!summary) return { kind: "missing" };
  if (summary.CancelRequested) return { kind: "cancelled" };
  // Reopened: the reconciler watches it again (it forgets it once final), and it expires no more.
  const createdAt = Date.parse(summary.CreatedAt);
  const reopen = unstampExpiry(deps.redis.multi(), deps.keys, batchId)
    .hdel(deps.keys.batch(batchId), B.stopCode, B.stopMessage)
    .zadd(deps.keys.unfinished, createdAt, batchId);
  if (summary.Caller) reopen.zadd(deps.keys.callerOpen(summary.Caller), createdAt, batchId);
  await reopen.exec();
  let instances = 0;
  let chunks = 0;
  for (const [index, chunk] of await deps.reads.allChunks(batchId)) {
    const count = retriable(chunk);
    if (!FINAL_CHUNK_STATUSES.has(chunk.status) || count === 0) continue;
    const { round, parts } = retryParts(chunk);
    const { error: _e, doneAt: _d, ...rest } = chunk;
    const next: ChunkRecord = { ...rest, status: "QUEUED", failed: [], cancelled: undefined, parts, round };
    const written = await deps.transitions.write(batchId, index, chunk, next);
    if (written.kind !== "ok") continue;
    await deps.scheduler.admit(batchId, [{ index, round }]);
    instances += count;
    chunks++;
  }
  return { kind: "requeued", instances, chunks };
}
