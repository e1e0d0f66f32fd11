import type { RedisClient } from "@tat-bulk/redis";
import type { Queue } from "bullmq";
import type { BatchReads } from "./batch-reads.js";
import type { BatchSummary, ChunkJobData } from "./batch-types.js";
import { chunkJobId } from "./chunk-queue.js";
import { CHUNK_COUNTER_FIELDS_JSON, encodeChunk } from "./chunk-record.js";
import { CANCEL_CHUNKS } from "./chunk-scripts.js";
import type { RedisKeys } from "./keys.js";

export interface BatchCancelDeps {
  redis: RedisClient;
  keys: RedisKeys;
  queue: Queue<ChunkJobData>;
  reads: BatchReads;
}

/**
 * Cancel: flags the batch (workers skip its chunks from now on), removes every queued job that no
 * worker holds, and marks those chunks CANCELLED. A chunk in a TAT call finishes. Answers the
 * summary after cancelling, or undefined for an unknown batch.
 */
export async function cancelBatch(deps: BatchCancelDeps, batchId: string): Promise<BatchSummary | undefined> {
  const { redis, keys, queue, reads } = deps;
  const summary = await reads.summary(batchId);
  if (!summary) return undefined;
  if (summary.FinishedAt) return summary;
  await redis.hset(keys.batch(batchId), "cancelRequested", "1");
  // A queued chunk whose earlier call may have created its invoker stays for its worker, which
  // looks for that invoker before cancelling it.
  const queued = [...(await reads.allChunks(batchId))].filter(
    ([, chunk]) => chunk.status === "QUEUED" && !chunk.mayExist,
  );
  // remove() refuses a job a worker holds (locked): that worker sees the flag instead.
  // All removals go out at once: one connection pipelines them.
  const removed = await Promise.all(queued.map(([index]) => queue.remove(chunkJobId(batchId, index))));
  const args: string[] = [];
  queued.forEach(([index, chunk], i) => {
    if (removed[i] !== 1) return;
    const cancelled = { ...chunk, status: "CANCELLED" as const, version: chunk.version + 1 };
    args.push(String(index), String(chunk.version), encodeChunk(cancelled));
  });
  await CANCEL_CHUNKS.run(
    redis,
    [keys.batch(batchId), keys.chunks(batchId)],
    [String(Date.now()), CHUNK_COUNTER_FIELDS_JSON, ...args],
  );
  return reads.summary(batchId);
}
