import type { RedisClient } from "@tat-bulk/redis";
import type { Queue } from "bullmq";
import type { BatchReads } from "./batch-reads.js";
import type { BatchSummary, ChunkJobData } from "./batch-types.js";
import { encodeChunk } from "./chunk-codec.js";
import { chunkJobId } from "./chunk-queue.js";
import { type ChunkRecord, finalStatusOf } from "./chunk-record.js";
import { CANCEL_CHUNKS } from "./chunk-scripts.js";
import { counterDeltas, SETTLE_FIELDS_JSON } from "./chunk-tally.js";
import type { RedisKeys } from "./keys.js";

export interface BatchCancelDeps {
  redis: RedisClient;
  keys: RedisKeys;
  queue: Queue<ChunkJobData>;
  reads: BatchReads;
}

/** The chunk with every instance not yet sent set aside as cancelled, and nothing left to send. */
export function withPendingCancelled(chunk: ChunkRecord, code: string, message: string): ChunkRecord {
  const pending = chunk.parts.flatMap((part) => part.instanceIds);
  const before = chunk.cancelled?.instanceIds ?? [];
  const next: ChunkRecord = {
    ...chunk,
    parts: [],
    cancelled: { instanceIds: [...before, ...pending], code, message },
    doneAt: Date.now(),
  };
  return { ...next, status: finalStatusOf(next) };
}

/**
 * Cancel: flags the batch (workers skip its chunks from now on), removes every queued job that no
 * worker holds, and cancels those chunks' instances. A chunk in a TAT call finishes. Answers the
 * summary after cancelling, or undefined for an unknown batch.
 */
export async function cancelBatch(deps: BatchCancelDeps, batchId: string): Promise<BatchSummary | undefined> {
  const { redis, keys, queue, reads } = deps;
  const summary = await reads.summary(batchId);
  if (!summary) return undefined;
  if (summary.FinishedAt) return summary;
  await redis.hset(keys.batch(batchId), "cancelRequested", "1");
  // A queued chunk whose earlier call may have created an invoker stays for its worker, which
  // looks for that invoker before cancelling the rest.
  const queued = [...(await reads.allChunks(batchId))].filter(
    ([, chunk]) => chunk.status === "QUEUED" && !chunk.parts.some((part) => part.mayExist),
  );
  // remove() refuses a job a worker holds (locked): that worker sees the flag instead.
  // All removals go out at once: one connection pipelines them.
  const removed = await Promise.all(
    queued.map(([index, chunk]) => queue.remove(chunkJobId(batchId, index, chunk.round))),
  );
  const args: string[] = [];
  queued.forEach(([index, chunk], i) => {
    if (removed[i] !== 1) return;
    const cancelled = {
      ...withPendingCancelled(chunk, "Cancelled", "The batch was cancelled before these instances were sent"),
      version: chunk.version + 1,
    };
    args.push(String(index), String(chunk.version), encodeChunk(cancelled), counterDeltas(chunk, cancelled));
  });
  await CANCEL_CHUNKS.run(
    redis,
    [keys.batch(batchId), keys.chunks(batchId)],
    [String(Date.now()), SETTLE_FIELDS_JSON, ...args],
  );
  return reads.summary(batchId);
}
