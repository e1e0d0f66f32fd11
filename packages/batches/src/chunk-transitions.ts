import type { RedisClient } from "@tat-bulk/redis";
import type { BatchStatus } from "./batch-types.js";
import {
  CHUNK_COUNTER_FIELDS,
  CHUNK_COUNTER_FIELDS_JSON,
  type ChunkRecord,
  encodeChunk,
} from "./chunk-record.js";
import { APPLY_CHUNK } from "./chunk-scripts.js";
import type { RedisKeys } from "./keys.js";

export interface ChunkWriteOptions {
  /** Refuse (answering `cancelled`) when the batch's cancel was asked: the step before a send. */
  abortIfCancelled?: boolean;
}

export type ChunkWriteResult =
  | { kind: "ok"; record: ChunkRecord; finished?: { status: BatchStatus; createdAtMs: number } }
  | { kind: "missing" }
  | { kind: "conflict" }
  | { kind: "cancelled" };

/**
 * Chunk state changes. The caller computes the next record from the one it read; the write is one
 * Lua step that checks the version it read, stores the record, moves the batch's counters from the
 * old status to the new one and, when no chunk is left to run, settles the batch's final status.
 * So a status read is always consistent, and two writers can never both win.
 */
export class ChunkTransitions {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  async write(
    batchId: string,
    index: number,
    from: ChunkRecord,
    to: ChunkRecord,
    options: ChunkWriteOptions = {},
  ): Promise<ChunkWriteResult> {
    const record = { ...to, version: from.version + 1 };
    const reply = await APPLY_CHUNK.run(
      this.redis,
      [this.keys.batch(batchId), this.keys.chunks(batchId)],
      [
        String(index),
        String(from.version),
        encodeChunk(record),
        CHUNK_COUNTER_FIELDS[from.status],
        CHUNK_COUNTER_FIELDS[record.status],
        String(Date.now()),
        options.abortIfCancelled ? "1" : "0",
        CHUNK_COUNTER_FIELDS_JSON,
      ],
    );
    if (reply.kind !== "ok") return reply;
    return { kind: "ok", record, ...(reply.finished ? { finished: reply.finished } : {}) };
  }
}
