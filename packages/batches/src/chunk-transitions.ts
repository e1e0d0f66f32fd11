import type { RedisClient } from "@tat-bulk/redis";
import { MAX_ERRORS_CODE } from "./batch-codec.js";
import { BATCH_FIELD as B } from "./batch-hash.js";
import { BatchReads } from "./batch-reads.js";
import { FINAL_CHUNK_STATUSES } from "./batch-types.js";
import { chunkStamp, encodeChunk, newWriteId } from "./chunk-codec.js";
import type { ChunkRecord } from "./chunk-record.js";
import { APPLY_CHUNK, type ApplyChunkReply } from "./chunk-scripts.js";
import { counterDeltas } from "./chunk-tally.js";
import { countsField, indexEntry } from "./instance-index.js";
import type { RedisKeys } from "./keys.js";

export interface ChunkWriteOptions {
  /** Refuse (answering `stopped`) when the batch is cancelled or stopped: the step before a send. */
  abortIfStopping?: boolean;
}

export type ChunkWriteResult =
  | (Omit<Extract<ApplyChunkReply, { kind: "ok" }>, "kind"> & { kind: "ok"; record: ChunkRecord })
  | Exclude<ApplyChunkReply, { kind: "ok" }>;

/**
 * Chunk state changes. The caller computes the next record from the one it read; the write is one
 * Lua step that checks the version it read, stores the record, moves the batch's counters by the
 * difference between the two records' tallies (chunk-tally.ts) and, when no chunk is left to run,
 * settles the batch's final status. So a status read is always consistent, and of two writers from
 * the same read only one wins. Each write has an ID of its own besides the version, so a record
 * that a writer holds can only pass for the stored one if it is that very record.
 */
export class ChunkTransitions {
  private readonly reads: BatchReads;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {
    this.reads = new BatchReads(redis, keys);
  }

  /** The chunk as stored now (after a write that lost, to see what won). */
  read(batchId: string, index: number): Promise<ChunkRecord | undefined> {
    return this.reads.chunk(batchId, index);
  }

  async write(
    batchId: string,
    index: number,
    from: ChunkRecord,
    to: ChunkRecord,
    options: ChunkWriteOptions = {},
  ): Promise<ChunkWriteResult> {
    const record = { ...to, version: from.version + 1, writeId: newWriteId() };
    const reopens = FINAL_CHUNK_STATUSES.has(from.status) && !FINAL_CHUNK_STATUSES.has(record.status);
    const reply = await APPLY_CHUNK.run(
      this.redis,
      [this.keys.batch(batchId), this.keys.chunks(batchId), this.keys.outbox],
      [
        String(index),
        chunkStamp(from),
        encodeChunk(record),
        counterDeltas(from, record),
        String(Date.now()),
        options.abortIfStopping ? "1" : "0",
        reopens ? "1" : "0",
        batchId,
        countsField(index),
        indexEntry(record),
      ],
    );
    if (reply.kind === "conflict") {
      // Its own write, run twice (the answer to the first was lost to a reconnect)?
      const stored = await this.read(batchId, index);
      if (stored?.writeId === record.writeId) return this.replayed(batchId, record);
    }
    if (reply.kind !== "ok") return reply;
    return { ...reply, record };
  }

  /**
   * What a write whose answer was lost set off is read again from the batch: a MaxErrors stop (its
   * sweep is harmless to repeat) and the invoker action. Whether it finished the batch is not known.
   */
  private async replayed(batchId: string, record: ChunkRecord): Promise<ChunkWriteResult> {
    const [stopCode, action] = await Promise.all([
      this.redis.hget(this.keys.batch(batchId), B.stopCode),
      this.reads.invokerAction(batchId),
    ]);
    return {
      kind: "ok",
      record,
      replayed: true,
      stoppedNow: stopCode === MAX_ERRORS_CODE,
      ...(action ? { invokerAction: { target: action.target, seq: action.seq } } : {}),
    };
  }
}
