import { randomBytes } from "node:crypto";
import type { InstanceChunk } from "@tat-bulk/tat-api";
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type {
  BatchCallFields,
  BatchStatus,
  BatchSummary,
  ChunkJobData,
  ChunkStatus,
  ChunkView,
  StoredChunk,
} from "./batch-types.js";
import { BulkJobWriter } from "./bulk-job-writer.js";
import { CHUNK_JOB_OPTIONS, chunkJobId, createChunkQueue } from "./chunk-queue.js";
import { CANCEL_CHUNKS, TRANSITION_CHUNK } from "./lua-scripts.js";
import { type RedisKeys, redisKeys } from "./redis-keys.js";

/** A batch being written expires by itself if its writer dies before committing it. */
const STAGING_TTL_SECONDS = 3600;
const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;
/**
 * Jobs per script call. Calls go out as they are built, so Redis runs one while the next is
 * encoded, and no single call holds Redis for long (100 jobs: about 1.3 ms).
 */
const DEFAULT_JOB_SLICE = 100;

export interface NewBatch {
  request: BatchCallFields;
  chunks: InstanceChunk[];
  instanceCount: number;
  duplicatesRemoved: number;
  idempotency?: { key: string; fingerprint: string };
}

/** Points where a test injects a failure, to prove a half-written batch leaves nothing behind. */
export interface CreateBatchHooks {
  afterJobSlice?: (jobsWritten: number) => Promise<void> | void;
}

export type CreateBatchResult =
  | { kind: "created"; summary: BatchSummary }
  | { kind: "replayed"; summary: BatchSummary }
  | { kind: "idempotency-conflict" };

export interface TransitionRequest {
  from: readonly ChunkStatus[] | "*";
  to: ChunkStatus;
  patch?: Partial<StoredChunk>;
  unset?: ReadonlyArray<keyof StoredChunk>;
  attemptDelta?: number;
  /** Refuse (answering `cancelled`) when the batch's cancel was asked. */
  abortIfCancelled?: boolean;
}

export type TransitionResult =
  | { kind: "ok"; previous: ChunkStatus; finished?: { status: BatchStatus; createdAtMs: number } }
  | { kind: "missing" }
  | { kind: "cancelled" }
  | { kind: "conflict"; current: ChunkStatus };

export interface ChunkPageQuery {
  offset: number;
  limit: number;
  status?: ChunkStatus;
}

/** A MULTI's outcome, rejected when any of its commands failed (exec itself resolves anyway). */
async function committed(exec: Promise<[Error | null, unknown][] | null>): Promise<void> {
  const results = await exec;
  const failed = results?.find(([error]) => error);
  if (!results || failed) throw failed?.[0] ?? new Error("transaction aborted");
}

function newBatchId(): string {
  return `bat-${randomBytes(8).toString("hex")}`;
}

const iso = (ms: string | undefined) => (ms ? new Date(Number(ms)).toISOString() : null);
const int = (text: string | undefined) => Number(text ?? 0);

function toChunkView(index: number, chunk: StoredChunk): ChunkView {
  return {
    Index: index,
    InstanceType: chunk.t,
    InstanceIds: chunk.ids,
    Status: chunk.s,
    InvokerId: chunk.ivk ?? null,
    Attempts: chunk.a,
    Error: chunk.err ?? null,
  };
}

/**
 * Batches and their chunks in Redis, beside the BullMQ queue that carries one job per chunk. The
 * queue shares this store's connection: Redis runs one connection's commands in order, which is
 * what lets a batch's records and its jobs be written without waiting for each other.
 */
export class BatchStore {
  readonly keys: RedisKeys;
  readonly queue: Queue<ChunkJobData>;
  readonly jobWriter: BulkJobWriter;

  constructor(
    private readonly redis: Redis,
    queueName: string,
    private readonly jobSlice = DEFAULT_JOB_SLICE,
  ) {
    this.keys = redisKeys(queueName);
    this.queue = createChunkQueue(queueName, redis);
    this.jobWriter = new BulkJobWriter(redis, this.queue);
  }

  /** Closes the queue; the Redis connection is the caller's. Idempotent. */
  close(): Promise<void> {
    return this.queue.close();
  }

  private summaryFrom(batchId: string, h: Record<string, string>): BatchSummary | undefined {
    const status = h.status as BatchStatus | undefined;
    if (!status || status === "STAGING" || !h.request) return undefined;
    return {
      BatchId: batchId,
      Status: status,
      InstanceCount: int(h.instanceCount),
      ChunkCount: int(h.chunkCount),
      DuplicatesRemoved: int(h.duplicatesRemoved),
      Counts: {
        Queued: int(h.queued),
        Running: int(h.running),
        Succeeded: int(h.succeeded),
        Failed: int(h.failed),
        Cancelled: int(h.cancelled),
      },
      CreatedAt: iso(h.createdAt) ?? "",
      UpdatedAt: iso(h.updatedAt) ?? "",
      StartedAt: iso(h.startedAt),
      FinishedAt: iso(h.finishedAt),
      CancelRequested: h.cancelRequested === "1",
      request: JSON.parse(h.request) as BatchCallFields,
    };
  }

  async getSummary(batchId: string): Promise<BatchSummary | undefined> {
    return this.summaryFrom(batchId, await this.redis.hgetall(this.keys.batch(batchId)));
  }

  /**
   * Writes the batch so that it appears whole or not at all: the records as STAGING with a TTL
   * (invisible, and skipped by workers) and the jobs, then one MULTI that makes the batch visible.
   * Any failure before the commit removes what was written.
   */
  async createBatch(batch: NewBatch, hooks: CreateBatchHooks = {}): Promise<CreateBatchResult> {
    const batchId = newBatchId();
    if (batch.idempotency) {
      const reserved = await this.reserveIdempotencyKey(batch.idempotency, batchId);
      if (reserved.kind !== "reserved") return reserved;
    }
    const now = String(Date.now());
    const record = {
      status: "QUEUED",
      request: JSON.stringify(batch.request),
      instanceCount: String(batch.instanceCount),
      chunkCount: String(batch.chunks.length),
      duplicatesRemoved: String(batch.duplicatesRemoved),
      queued: String(batch.chunks.length),
      running: "0",
      succeeded: "0",
      failed: "0",
      cancelled: "0",
      createdAt: now,
      updatedAt: now,
    };
    const batchKey = this.keys.batch(batchId);
    const chunksKey = this.keys.chunks(batchId);
    const jobIds: string[] = [];
    try {
      // All of these go out on the connection the queue shares, so Redis runs them in this order:
      // the batch before its jobs (a worker that finds no batch drops the job), then the chunk
      // records, which only a committed batch needs: they are built while Redis runs the jobs.
      const writes: Promise<unknown>[] = [
        committed(
          this.redis
            .multi()
            .hset(batchKey, { ...record, status: "STAGING" })
            .expire(batchKey, STAGING_TTL_SECONDS)
            .exec(),
        ),
      ];
      for (let start = 0; start < batch.chunks.length; start += this.jobSlice) {
        const slice = batch.chunks.slice(start, start + this.jobSlice).map((chunk) => {
          const jobId = chunkJobId(batchId, chunk.index);
          jobIds.push(jobId);
          return {
            name: "chunk",
            data: { batchId, index: chunk.index },
            opts: { ...CHUNK_JOB_OPTIONS, jobId },
          };
        });
        const written = jobIds.length;
        writes.push(this.jobWriter.add(slice).then(() => hooks.afterJobSlice?.(written)));
      }
      const fields: string[] = [];
      for (const chunk of batch.chunks) {
        const stored: StoredChunk = { t: chunk.instanceType, ids: chunk.instanceIds, s: "QUEUED", a: 0 };
        fields.push(String(chunk.index), JSON.stringify(stored));
      }
      writes.push(
        committed(
          this.redis
            .multi()
            .hset(chunksKey, ...fields)
            .expire(chunksKey, STAGING_TTL_SECONDS)
            .exec(),
        ),
      );
      // Every write settles before a rollback runs, so a rollback sees all that was written.
      const settled = await Promise.allSettled(writes);
      const rejected = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (rejected) throw rejected.reason;
      await committed(
        this.redis
          .multi()
          .hset(batchKey, "status", "QUEUED")
          .persist(batchKey)
          .persist(chunksKey)
          .zadd(this.keys.batchIndex, now, batchId)
          .exec(),
      );
    } catch (error) {
      await this.rollback(batchId, jobIds, batch.idempotency?.key).catch(() => undefined);
      throw error;
    }
    const summary = this.summaryFrom(batchId, record);
    if (!summary) throw new Error(`batch ${batchId}: unreadable record`);
    return { kind: "created", summary };
  }

  private async rollback(batchId: string, jobIds: readonly string[], idempotencyKey?: string): Promise<void> {
    // A worker that already picked a job sees the batch gone and drops it.
    await this.redis.del(this.keys.batch(batchId), this.keys.chunks(batchId));
    await Promise.all(jobIds.map((id) => this.queue.remove(id).catch(() => 0)));
    if (idempotencyKey) await this.redis.del(this.keys.idempotency(idempotencyKey));
  }

  private async reserveIdempotencyKey(
    idempotency: { key: string; fingerprint: string },
    batchId: string,
  ): Promise<{ kind: "reserved" } | Exclude<CreateBatchResult, { kind: "created" }>> {
    const key = this.keys.idempotency(idempotency.key);
    const value = `${idempotency.fingerprint} ${batchId}`;
    for (let attempt = 0; attempt < 50; attempt++) {
      const set = await this.redis.set(key, value, "EX", IDEMPOTENCY_TTL_SECONDS, "NX");
      if (set === "OK") return { kind: "reserved" };
      const existing = await this.redis.get(key);
      if (existing === null) continue;
      const [fingerprint, existingId = ""] = existing.split(" ");
      if (fingerprint !== idempotency.fingerprint) return { kind: "idempotency-conflict" };
      const summary = await this.getSummary(existingId);
      if (summary) return { kind: "replayed", summary };
      // The first request with this key is still being written: wait for it to commit or roll back.
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return { kind: "idempotency-conflict" };
  }

  async getChunks(batchId: string, query: ChunkPageQuery): Promise<{ total: number; items: ChunkView[] }> {
    const chunksKey = this.keys.chunks(batchId);
    if (query.status === undefined) {
      const total = await this.redis.hlen(chunksKey);
      const end = Math.min(total, query.offset + query.limit);
      if (end <= query.offset) return { total, items: [] };
      const indexes = Array.from({ length: end - query.offset }, (_, i) => String(query.offset + i));
      const raws = await this.redis.hmget(chunksKey, ...indexes);
      const items = raws.flatMap((raw, i) =>
        raw ? [toChunkView(query.offset + i, JSON.parse(raw) as StoredChunk)] : [],
      );
      return { total, items };
    }
    const all = await this.redis.hgetall(chunksKey);
    const matching: ChunkView[] = [];
    for (const [index, raw] of Object.entries(all)) {
      const chunk = JSON.parse(raw) as StoredChunk;
      if (chunk.s === query.status) matching.push(toChunkView(Number(index), chunk));
    }
    matching.sort((a, b) => a.Index - b.Index);
    return { total: matching.length, items: matching.slice(query.offset, query.offset + query.limit) };
  }

  async listBatches(offset: number, limit: number): Promise<{ total: number; items: BatchSummary[] }> {
    const [total, ids] = await Promise.all([
      this.redis.zcard(this.keys.batchIndex),
      this.redis.zrevrange(this.keys.batchIndex, offset, offset + limit - 1),
    ]);
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.keys.batch(id));
    const rows = (await pipeline.exec()) ?? [];
    const items = ids.flatMap((id, i) => {
      const summary = this.summaryFrom(id, (rows[i]?.[1] ?? {}) as Record<string, string>);
      return summary ? [summary] : [];
    });
    return { total, items };
  }

  async loadChunk(batchId: string, index: number): Promise<StoredChunk | undefined> {
    const raw = await this.redis.hget(this.keys.chunks(batchId), String(index));
    return raw ? (JSON.parse(raw) as StoredChunk) : undefined;
  }

  /** What a worker needs of a batch, STAGING included: status, cancel flag and the call's fields. */
  async loadForWorker(
    batchId: string,
  ): Promise<{ status: BatchStatus; cancelRequested: boolean; request: BatchCallFields } | undefined> {
    const [status, cancel, request] = await this.redis.hmget(
      this.keys.batch(batchId),
      "status",
      "cancelRequested",
      "request",
    );
    if (!status || !request) return undefined;
    return {
      status: status as BatchStatus,
      cancelRequested: cancel === "1",
      request: JSON.parse(request) as BatchCallFields,
    };
  }

  async transition(batchId: string, index: number, request: TransitionRequest): Promise<TransitionResult> {
    const reply = (await this.redis.eval(
      TRANSITION_CHUNK,
      2,
      this.keys.batch(batchId),
      this.keys.chunks(batchId),
      String(index),
      request.from === "*" ? "*" : request.from.join(","),
      request.to,
      JSON.stringify(request.patch ?? {}),
      (request.unset ?? []).join(","),
      String(request.attemptDelta ?? 0),
      String(Date.now()),
      request.abortIfCancelled ? "1" : "0",
    )) as [string, string?, string?, string?];
    if (reply[0] === "ok") {
      const previous = reply[1] as ChunkStatus;
      if (!reply[2]) return { kind: "ok", previous };
      return {
        kind: "ok",
        previous,
        finished: { status: reply[2] as BatchStatus, createdAtMs: Number(reply[3]) },
      };
    }
    if (reply[0] === "conflict") return { kind: "conflict", current: reply[1] as ChunkStatus };
    if (reply[0] === "cancelled") return { kind: "cancelled" };
    return { kind: "missing" };
  }

  /**
   * Flags the batch as cancelled (workers skip its chunks from now on), removes every queued job
   * that no worker holds, and marks those chunks CANCELLED. A chunk in a TAT call finishes.
   */
  async cancel(batchId: string): Promise<BatchSummary | undefined> {
    const summary = await this.getSummary(batchId);
    if (!summary) return undefined;
    if (summary.FinishedAt) return summary;
    await this.redis.hset(this.keys.batch(batchId), "cancelRequested", "1");
    const all = await this.redis.hgetall(this.keys.chunks(batchId));
    // A queued chunk whose earlier call may have created its invoker stays for its worker, which
    // looks for that invoker before cancelling it.
    const queued = Object.entries(all)
      .filter(([, raw]) => {
        const chunk = JSON.parse(raw) as StoredChunk;
        return chunk.s === "QUEUED" && chunk.chk !== 1;
      })
      .map(([index]) => index);
    // remove() refuses a job a worker holds (locked): that worker sees the flag instead.
    // All removals go out at once: one connection pipelines them.
    const removed = await Promise.all(
      queued.map((index) => this.queue.remove(chunkJobId(batchId, Number(index)))),
    );
    const removable = queued.filter((_, i) => removed[i] === 1);
    await this.redis.eval(
      CANCEL_CHUNKS,
      2,
      this.keys.batch(batchId),
      this.keys.chunks(batchId),
      String(Date.now()),
      ...removable,
    );
    return this.getSummary(batchId);
  }
}
