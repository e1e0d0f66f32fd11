import type { RedisClient } from "@tat-bulk/redis";
import {
  DEFAULT_RETENTION_MS,
  isInvokerState,
  STOP_FIELDS,
  type StopOutcome,
  stopOutcome,
  summaryFromHash,
} from "./batch-codec.js";
import { BATCH_FIELD as B } from "./batch-hash.js";
import type {
  BatchCallFields,
  BatchStatus,
  BatchSummary,
  ChunkStatus,
  ChunkView,
  InstanceStatus,
  InstanceView,
  InvokerState,
} from "./batch-types.js";
import { decodeChunk } from "./chunk-codec.js";
import type { ChunkRecord } from "./chunk-record.js";
import { chunkView, instanceViews } from "./chunk-view.js";
import type { RedisKeys } from "./keys.js";

export interface ChunkPageQuery {
  offset: number;
  limit: number;
  status?: ChunkStatus;
}

export interface InstancePageQuery {
  offset: number;
  limit: number;
  status?: InstanceStatus;
}

/** What a worker needs of a batch, STAGING included: status, whether it stopped and how, the call's fields. */
export interface WorkerBatchView {
  status: BatchStatus;
  /** Epoch ms the intake began writing it (a STAGING batch this old lost its writer). */
  createdAtMs: number;
  /** Set once the batch is cancelled or stopped: how its unsent instances end. */
  stop: StopOutcome | undefined;
  request: BatchCallFields;
}

/** Batches and chunks as the API and the workers read them. */
export class BatchReads {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    /** BATCH_RETENTION: how long after it finished a batch expires (its ExpiresAt). */
    private readonly retentionMs = DEFAULT_RETENTION_MS,
  ) {}

  async summary(batchId: string): Promise<BatchSummary | undefined> {
    return summaryFromHash(batchId, await this.redis.hgetall(this.keys.batch(batchId)), this.retentionMs);
  }

  /** Newest first: every batch, or one caller's. */
  async list(
    offset: number,
    limit: number,
    caller?: string,
  ): Promise<{ total: number; items: BatchSummary[] }> {
    const index = caller === undefined ? this.keys.batchIndex : this.keys.callerBatches(caller);
    const [total, ids] = await Promise.all([
      this.redis.zcard(index),
      this.redis.zrevrange(index, offset, offset + limit - 1),
    ]);
    const hashes = await Promise.all(ids.map((id) => this.redis.hgetall(this.keys.batch(id))));
    const items = ids.flatMap((id, i) => summaryFromHash(id, hashes[i] ?? {}, this.retentionMs) ?? []);
    return { total, items };
  }

  /** Every chunk of the batch, by index. */
  async allChunks(batchId: string): Promise<Map<number, ChunkRecord>> {
    const all = await this.redis.hgetall(this.keys.chunks(batchId));
    return new Map(Object.entries(all).map(([index, raw]) => [Number(index), decodeChunk(raw)]));
  }

  async chunkPage(batchId: string, query: ChunkPageQuery): Promise<{ total: number; items: ChunkView[] }> {
    const chunksKey = this.keys.chunks(batchId);
    if (query.status === undefined) {
      const total = await this.redis.hlen(chunksKey);
      const end = Math.min(total, query.offset + query.limit);
      if (end <= query.offset) return { total, items: [] };
      const indexes = Array.from({ length: end - query.offset }, (_, i) => String(query.offset + i));
      const raws = await this.redis.hmget(chunksKey, ...indexes);
      const items = raws.flatMap((raw, i) => (raw ? [chunkView(query.offset + i, decodeChunk(raw))] : []));
      return { total, items };
    }
    const matching: ChunkView[] = [];
    for (const [index, chunk] of await this.allChunks(batchId)) {
      if (chunk.status === query.status) matching.push(chunkView(index, chunk));
    }
    matching.sort((a, b) => a.Index - b.Index);
    return { total: matching.length, items: matching.slice(query.offset, query.offset + query.limit) };
  }

  /** The batch's instances with their outcomes, in chunk order, filtered and paged. */
  async instancePage(
    batchId: string,
    query: InstancePageQuery,
  ): Promise<{ total: number; items: InstanceView[] }> {
    const chunks = [...(await this.allChunks(batchId))].sort(([a], [b]) => a - b);
    const matching: InstanceView[] = [];
    for (const [, chunk] of chunks) {
      for (const view of instanceViews(chunk)) {
        if (query.status === undefined || view.Status === query.status) matching.push(view);
      }
    }
    return { total: matching.length, items: matching.slice(query.offset, query.offset + query.limit) };
  }

  async chunk(batchId: string, index: number): Promise<ChunkRecord | undefined> {
    const raw = await this.redis.hget(this.keys.chunks(batchId), String(index));
    return raw ? decodeChunk(raw) : undefined;
  }

  /** The batch's invoker action (what its invokers must become, and its number), and its region. */
  async invokerAction(
    batchId: string,
  ): Promise<{ target: InvokerState; seq: number; region: string; account?: string } | undefined> {
    const [target, seq, request] = await this.redis.hmget(
      this.keys.batch(batchId),
      B.invokerTarget,
      B.invokerSeq,
      B.request,
    );
    if (!request || !isInvokerState(target)) return undefined;
    const { Region, Account } = JSON.parse(request) as BatchCallFields;
    return { target, seq: Number(seq), region: Region, ...(Account ? { account: Account } : {}) };
  }

  async forWorker(batchId: string): Promise<WorkerBatchView | undefined> {
    const [status, cancelRequested, stopCode, stopMessage, request, createdAt] = await this.redis.hmget(
      this.keys.batch(batchId),
      B.status,
      ...STOP_FIELDS,
      B.request,
      B.createdAt,
    );
    if (!status || !request) return undefined;
    return {
      status: status as BatchStatus,
      createdAtMs: Number(createdAt ?? 0),
      stop: stopOutcome({ cancelRequested, stopCode, stopMessage }),
      request: JSON.parse(request) as BatchCallFields,
    };
  }
}
