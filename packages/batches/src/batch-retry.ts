import type { BatchReads } from "./batch-reads.js";
import { FINAL_CHUNK_STATUSES } from "./batch-types.js";
import type { JobSink } from "./bulk-job-writer.js";
import { chunkJob } from "./chunk-queue.js";
import { type ChunkPart, type ChunkRecord, newPart } from "./chunk-record.js";
import type { ChunkTransitions } from "./chunk-transitions.js";

export interface BatchRetryDeps {
  reads: BatchReads;
  transitions: ChunkTransitions;
  jobs: JobSink;
}

export type RetryResult =
  | { kind: "requeued"; instances: number; chunks: number }
  | { kind: "missing" }
  | { kind: "cancelled" };

/**
 * The failed instances of a finished chunk as parts to send again, in a new round. An instance
 * whose call had an uncertain outcome keeps its old part's key and is looked up first (its invoker
 * may exist after all); the others go in one new part. Its agents are checked again.
 */
export function retryParts(chunk: ChunkRecord): { round: number; parts: ChunkPart[] } {
  const round = chunk.round + 1;
  const fresh: string[] = [];
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
 * POST …/retry: every finished chunk with failed instances goes back to the queue with them (its
 * new round's job). Each chunk moves in one compare-and-set write, so two retries at once move each
 * instance once; chunks still in progress are left to finish (a later retry takes their failures).
 */
export async function retryFailed(deps: BatchRetryDeps, batchId: string): Promise<RetryResult> {
  const summary = await deps.reads.summary(batchId);
  if (!summary) return { kind: "missing" };
  if (summary.CancelRequested) return { kind: "cancelled" };
  let instances = 0;
  let chunks = 0;
  for (const [index, chunk] of await deps.reads.allChunks(batchId)) {
    if (!FINAL_CHUNK_STATUSES.has(chunk.status) || chunk.failed.length === 0) continue;
    const { round, parts } = retryParts(chunk);
    const { error: _e, doneAt: _d, ...rest } = chunk;
    const next: ChunkRecord = { ...rest, status: "QUEUED", failed: [], parts, round };
    const written = await deps.transitions.write(batchId, index, chunk, next);
    if (written.kind !== "ok") continue;
    await deps.jobs.add([chunkJob(batchId, index, round)]);
    instances += chunk.failed.length;
    chunks++;
  }
  return { kind: "requeued", instances, chunks };
}
