import { randomBytes } from "node:crypto";
import type { RedisClient } from "@tat-bulk/redis";
import { encodeRef } from "@tat-bulk/scheduler";
import { type InstanceChunk, maxErrorsThreshold } from "@tat-bulk/tat-api";
import type { ChainableCommander } from "ioredis";
import { summaryFromHash } from "./batch-codec.js";
import { BATCH_FIELD as B } from "./batch-hash.js";
import type { BatchCallFields, BatchSummary } from "./batch-types.js";
import { encodeChunk } from "./chunk-codec.js";
import { newChunkRecord } from "./chunk-record.js";
import { CHUNK_COUNTER_FIELDS } from "./chunk-tally.js";
import type { Idempotency, IdempotencyKeys } from "./idempotency-keys.js";
import { allPending, countsField, encodeEntry } from "./instance-index.js";
import type { RedisKeys } from "./keys.js";

/** A batch being written expires by itself if its writer dies before committing it. */
const STAGING_TTL_SECONDS = 3600;
/** Chunk refs per write: no single command holds Redis for long. */
const DEFAULT_SLICE = 1000;

/**
 * Where a batch's chunks wait for the scheduler: a list per batch (`keys.schedPending`), staged
 * with the batch's TTL until the commit. A seam for tests, which make it fail.
 */
export interface ChunkSink {
  stage(batchId: string, refs: readonly string[]): Promise<void>;
  discard(batchId: string): Promise<void>;
}

export function pendingListSink(redis: RedisClient, keys: RedisKeys): ChunkSink {
  return {
    stage: (batchId, refs) =>
      staged(redis, keys.schedPending(batchId), (multi) => multi.rpush(keys.schedPending(batchId), ...refs)),
    discard: async (batchId) => {
      await redis.del(keys.schedPending(batchId));
    },
  };
}

export interface NewBatch {
  /** The caller submitting it: it owns the batch. */
  caller?: string;
  /** The caller's share of the budget against other callers' (scheduling). */
  weight?: number;
  request: BatchCallFields;
  chunks: InstanceChunk[];
  instanceCount: number;
  duplicatesRemoved: number;
  idempotency?: Idempotency;
  /** The submit's traceparent (tracing on): stored, so the batch's work joins its trace. */
  trace?: string;
}

/**
 * Writes that belong with a batch's commit, made in its transaction (the intake's audit entry of a
 * submit's outcome): they happen if and only if the batch becomes visible. Their failure does not
 * undo the batch; `alsoCommitted` says whether they held.
 */
export interface CommitExtras {
  inCommit(multi: ChainableCommander, batchId: string): void;
}

export type CreateBatchResult =
  | { kind: "created"; summary: BatchSummary; alsoCommitted: boolean }
  | { kind: "replayed"; summary: BatchSummary }
  | { kind: "idempotency-conflict" }
  | { kind: "idempotency-in-progress" }
  /** Fewer replicas than asked confirmed the staged batch: it was rolled back. */
  | { kind: "not-replicated"; replicas: number }
  /** The batch is committed (it will run), but fewer replicas than asked confirmed it in time. */
  | { kind: "committed-unreplicated"; summary: BatchSummary; replicas: number };

/** Where a failed rollback is reported (pino's logger fits). */
export interface ErrorLog {
  error(details: object, message: string): void;
}

export interface BatchWriterDeps {
  redis: RedisClient;
  keys: RedisKeys;
  chunks: ChunkSink;
  idempotency: IdempotencyKeys;
  log: ErrorLog;
  /** Chunk refs per call to the sink. */
  slice?: number;
  /** Replicas that must confirm the batch (Redis WAIT) before and after its commit; none asked when absent. */
  replicas?: { min: number; timeoutMs: number };
}

/** One write of a batch being staged: with the TTL that removes it if the batch is never committed. */
function staged(
  redis: RedisClient,
  key: string,
  write: (multi: ChainableCommander) => ChainableCommander,
): Promise<void> {
  return committed(write(redis.multi()).expire(key, STAGING_TTL_SECONDS).exec());
}

/** A MULTI's outcome, rejected when any of its commands failed (exec itself resolves anyway). */
async function committed(exec: Promise<[Error | null, unknown][] | null>): Promise<void> {
  throwIfFailed(await exec);
}

function throwIfFailed(results: [Error | null, unknown][] | null): void {
  const failed = results?.find(([error]) => error);
  if (!results || failed) throw failed?.[0] ?? new Error("transaction aborted");
}

/**
 * The enqueue path. A batch appears whole or not at all: its records and its chunks' places in the
 * scheduler are written as STAGING with a TTL (invisible), then one MULTI makes it visible and
 * puts it in the scheduler's inbox. Any failure before that removes what was written.
 */
export class BatchWriter {
  private readonly slice: number;

  constructor(private readonly deps: BatchWriterDeps) {
    this.slice = deps.slice ?? DEFAULT_SLICE;
  }

  async create(batch: NewBatch, extras?: CommitExtras): Promise<CreateBatchResult> {
    const batchId = `bat-${randomBytes(8).toString("hex")}`;
    if (batch.idempotency) {
      const reserved = await this.deps.idempotency.reserve(batch.idempotency, batchId);
      if (reserved.kind === "conflict") return { kind: "idempotency-conflict" };
      if (reserved.kind === "in-progress") return { kind: "idempotency-in-progress" };
      if (reserved.kind === "replayed") {
        // Answered 202 only once replicas hold it, as the first time should have been.
        const replicas = await this.replicated();
        if (replicas !== undefined)
          return { kind: "committed-unreplicated", summary: reserved.summary, replicas };
        return reserved;
      }
    }
    const record = this.batchRecord(batch);
    let alsoCommitted = false;
    try {
      await this.writeStaged(batchId, batch, record.hash);
      // A failover before this point loses only an invisible STAGING batch, which is rolled back.
      const staged = await this.replicated();
      if (staged !== undefined) {
        await this.rollback(batchId, batch.idempotency?.key);
        return { kind: "not-replicated", replicas: staged };
      }
      const { redis, keys } = this.deps;
      const commit = redis
        .multi()
        .hset(keys.batch(batchId), B.status, "QUEUED")
        .persist(keys.batch(batchId))
        .persist(keys.chunks(batchId))
        .persist(keys.schedPending(batchId))
        .rpush(keys.schedInbox, batchId)
        .zadd(keys.batchIndex, record.createdAt, batchId)
        .zadd(keys.unfinished, record.createdAt, batchId);
      if (batch.caller !== undefined) {
        commit
          .zadd(keys.callerBatches(batch.caller), record.createdAt, batchId)
          .zadd(keys.callerOpen(batch.caller), record.createdAt, batchId);
      }
      const before = commit.length;
      extras?.inCommit(commit, batchId);
      const added = commit.length - before;
      const results = await commit.exec();
      const own = results ? results.length - added : 0;
      throwIfFailed(results?.slice(0, own) ?? null);
      alsoCommitted = results?.slice(own).every(([error]) => !error) ?? false;
    } catch (error) {
      await this.rollback(batchId, batch.idempotency?.key).catch((rollbackError: unknown) =>
        this.deps.log.error(
          { batchId, err: rollbackError },
          "rollback of a failed batch write failed; its STAGING record expires by itself",
        ),
      );
      throw error;
    }
    const summary = summaryFromHash(batchId, record.hash);
    if (!summary) throw new Error(`batch ${batchId}: unreadable record`);
    const replicas = await this.replicated();
    if (replicas !== undefined) return { kind: "committed-unreplicated", summary, replicas };
    return { kind: "created", summary, alsoCommitted };
  }

  /**
   * Undefined when enough replicas hold every write made so far on this connection (WAIT), or
   * none were asked for; else how many did. WAIT holds the connection until then: with the
   * replicas in place that is a round trip to them, and the intake checks they are connected
   * before it writes (RedisGuard), so a missing replica costs a refusal, not a wait.
   */
  private async replicated(): Promise<number | undefined> {
    const asked = this.deps.replicas;
    if (!asked || asked.min === 0) return undefined;
    const got = Number(await this.deps.redis.call("WAIT", asked.min, asked.timeoutMs));
    return got >= asked.min ? undefined : got;
  }

  /** The new batch's hash, and when it was made (epoch ms, its place in the indexes). */
  private batchRecord(batch: NewBatch): { hash: Record<string, string>; createdAt: string } {
    const now = String(Date.now());
    const counts = Object.fromEntries(Object.values(CHUNK_COUNTER_FIELDS).map((field) => [field, "0"]));
    const optional = (field: string, value: string | undefined) =>
      value === undefined ? {} : { [field]: value };
    const maxErrors = batch.request.MaxErrors;
    return {
      createdAt: now,
      hash: {
        [B.status]: "QUEUED",
        [B.request]: JSON.stringify(batch.request),
        [B.instanceCount]: String(batch.instanceCount),
        [B.chunkCount]: String(batch.chunks.length),
        [B.duplicatesRemoved]: String(batch.duplicatesRemoved),
        ...optional(B.caller, batch.caller),
        // Retention removes the key with the batch (only while the key still names it).
        ...optional(B.idempotencyKey, batch.idempotency?.key),
        ...optional(B.weight, batch.weight === undefined ? undefined : String(batch.weight)),
        ...optional(B.trace, batch.trace),
        ...optional(
          B.maxErrors,
          maxErrors === undefined ? undefined : String(maxErrorsThreshold(maxErrors, batch.instanceCount)),
        ),
        ...counts,
        [CHUNK_COUNTER_FIELDS.QUEUED]: String(batch.chunks.length),
        [B.createdAt]: now,
        [B.updatedAt]: now,
      },
    };
  }

  /**
   * Everything goes out on one connection, so Redis runs it in this order: the batch, its chunks'
   * places in the scheduler, then the chunk records, built while Redis runs the rest.
   */
  private async writeStaged(batchId: string, batch: NewBatch, record: Record<string, string>): Promise<void> {
    const { redis, keys, chunks } = this.deps;
    const batchKey = keys.batch(batchId);
    const writes: Promise<unknown>[] = [
      staged(redis, batchKey, (multi) => multi.hset(batchKey, { ...record, [B.status]: "STAGING" })),
    ];
    for (let start = 0; start < batch.chunks.length; start += this.slice) {
      const refs = batch.chunks
        .slice(start, start + this.slice)
        .map((chunk) => encodeRef({ index: chunk.index, round: 0 }));
      writes.push(chunks.stage(batchId, refs));
    }
    const fields: string[] = [];
    for (const chunk of batch.chunks) {
      fields.push(String(chunk.index), encodeChunk(newChunkRecord(chunk.instanceType, chunk.instanceIds)));
      fields.push(countsField(chunk.index), encodeEntry(allPending(chunk.instanceIds.length), "QUEUED"));
    }
    writes.push(staged(redis, keys.chunks(batchId), (multi) => multi.hset(keys.chunks(batchId), ...fields)));
    // Every write settles before a rollback runs, so a rollback sees all that was written.
    const settled = await Promise.allSettled(writes);
    const rejected = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (rejected) throw rejected.reason;
  }

  private async rollback(batchId: string, idempotencyKey?: string): Promise<void> {
    const { redis, keys, chunks } = this.deps;
    await redis.del(keys.batch(batchId), keys.chunks(batchId));
    await chunks.discard(batchId);
    if (idempotencyKey) await this.deps.idempotency.release(idempotencyKey);
  }
}
