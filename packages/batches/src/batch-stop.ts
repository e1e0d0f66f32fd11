import { type ChunkJobData, chunkJobId } from "@tat-bulk/chunk-queue";
import type { RedisClient } from "@tat-bulk/redis";
import type { ChunkScheduler } from "@tat-bulk/scheduler";
import type { Queue } from "bullmq";
import { STOP_FIELDS, type StopOutcome, stopOutcome } from "./batch-codec.js";
import type { BatchReads } from "./batch-reads.js";
import { chunkStamp, encodeChunk, newWriteId } from "./chunk-codec.js";
import { type ChunkRecord, finalStatusOf } from "./chunk-record.js";
import { STOP_BATCH, SWEEP_CHUNKS } from "./chunk-scripts.js";
import { counterDeltas } from "./chunk-tally.js";
import { countsField, indexEntry } from "./instance-index.js";
import type { RedisKeys } from "./keys.js";

/** The chunk with every instance not yet sent ended as the stop says, and nothing left to send. */
export function withPendingEnded(chunk: ChunkRecord, outcome: StopOutcome): ChunkRecord {
  const pending = chunk.parts.flatMap((part) => part.instanceIds);
  const next: ChunkRecord = { ...chunk, parts: [], doneAt: Date.now() };
  if (outcome.as === "failed") {
    const failed = pending.map((instanceId) => ({
      instanceId,
      code: outcome.code,
      message: outcome.message,
    }));
    next.failed = [...chunk.failed, ...failed];
  } else if (pending.length) {
    next.cancelled = {
      instanceIds: [...(chunk.cancelled?.instanceIds ?? []), ...pending],
      code: outcome.code,
      message: outcome.message,
    };
  }
  return { ...next, status: finalStatusOf(next) };
}

export interface BatchStopDeps {
  redis: RedisClient;
  keys: RedisKeys;
  queue: Queue<ChunkJobData>;
  reads: BatchReads;
  scheduler: Pick<ChunkScheduler, "withdraw">;
}

/** A cancel, or a stop on an error every chunk would meet (MaxErrors stops are set by the chunk writes). */
export type Stop = { kind: "cancel" } | { kind: "error"; code: string; message: string };

/** Marks the batch stopped (the first stop wins); its queued chunks are ended by sweepStoppedBatch. */
export function markStopped(deps: Pick<BatchStopDeps, "redis" | "keys">, batchId: string, stop: Stop) {
  const args = stop.kind === "cancel" ? ["cancel"] : [stop.code, stop.message.slice(0, 1000)];
  return STOP_BATCH.run(deps.redis, [deps.keys.batch(batchId)], args);
}

/**
 * Ends the queued chunks of a stopping batch: removes each job no worker holds and ends its
 * instances as the stop says. A chunk in a TAT call finishes; a queued chunk whose earlier call may
 * have created an invoker is left to its worker, which looks that invoker up first.
 */
export async function sweepStoppedBatch(deps: BatchStopDeps, batchId: string): Promise<number> {
  const { redis, keys, queue, reads } = deps;
  const [cancelRequested, stopCode, stopMessage] = await redis.hmget(keys.batch(batchId), ...STOP_FIELDS);
  const outcome = stopOutcome({ cancelRequested, stopCode, stopMessage });
  if (!outcome) return 0;
  const queued = [...(await reads.allChunks(batchId))].filter(
    ([, chunk]) => chunk.status === "QUEUED" && !chunk.parts.some((part) => part.mayExist),
  );
  // A chunk still waiting in the scheduler is taken out; else its job is removed, which remove()
  // refuses for a job a worker holds (locked): that worker sees the stop instead. All go out at
  // once: one connection pipelines them.
  const removed = await Promise.all(
    queued.map(async ([index, chunk]) =>
      (await deps.scheduler.withdraw(batchId, { index, round: chunk.round }))
        ? 1
        : queue.remove(chunkJobId(batchId, index, chunk.round)),
    ),
  );
  const args: string[] = [];
  queued.forEach(([index, chunk], i) => {
    if (removed[i] !== 1) return;
    const ended = { ...withPendingEnded(chunk, outcome), version: chunk.version + 1, writeId: newWriteId() };
    args.push(String(index), chunkStamp(chunk), encodeChunk(ended), counterDeltas(chunk, ended));
    args.push(countsField(index), indexEntry(ended));
  });
  return SWEEP_CHUNKS.run(
    redis,
    [keys.batch(batchId), keys.chunks(batchId), keys.outbox],
    [String(Date.now()), batchId, ...args],
  );
}
