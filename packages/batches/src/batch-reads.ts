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
import { INSTANCE_COUNTER_FIELDS } from "./chunk-tally.js";
import { chunkView, instanceViews } from "./chunk-view.js";
import {
  countsField,
  countViews,
  decodeEntry,
  encodeCounts,
  isRecordField,
  type OutcomeCounts,
  planPage,
} from "./instance-index.js";
import type { RedisKeys } from "./keys.js";

/** The outcomes the batch hash counts (PENDING is what is left): the chunks' counts must add up to them. */
const COUNTED = ["SUCCEEDED", "FAILED", "CANCELLED"] as const;

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
  /** The batch's traceparent (when it was submitted with tracing on): its chunks' spans join it. */
  trace: string | undefined;
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
    return new Map(
      Object.entries(all)
        .filter(([field]) => isRecordField(field))
        .map(([index, raw]) => [Number(index), decodeChunk(raw)]),
    );
  }

  async chunkPage(batchId: string, query: ChunkPageQuery): Promise<{ total: number; items: ChunkView[] }> {
    const chunksKey = this.keys.chunks(batchId);
    if (query.status === undefined) {
      const total = await this.chunkCount(batchId);
      const end = Math.min(total, query.offset + query.limit);
      if (end <= query.offset) return { total, items: [] };
      const indexes = Array.from({ length: end - query.offset }, (_, i) => String(query.offset + i));
      const raws = await this.redis.hmget(chunksKey, ...indexes);
      const items = raws.flatMap((raw, i) => (raw ? [chunkView(query.offset + i, decodeChunk(raw))] : []));
      return { total, items };
    }
    return (
      (await this.indexedChunkPage(batchId, query, query.status)) ?? this.scannedChunkPage(batchId, query)
    );
  }

  /**
   * A page of one status found from the chunks' index entries, decoding only the chunks it shows;
   * undefined when an entry has no status (written before statuses were indexed) or a record no
   * longer has the status its entry said (a write between the reads): the caller scans instead.
   */
  private async indexedChunkPage(batchId: string, query: ChunkPageQuery, status: ChunkStatus) {
    const chunkCount = await this.chunkCount(batchId);
    if (!chunkCount) return undefined;
    const chunksKey = this.keys.chunks(batchId);
    const entries = await this.redis.hmget(
      chunksKey,
      ...Array.from({ length: chunkCount }, (_, i) => countsField(i)),
    );
    const matching: number[] = [];
    for (const [index, text] of entries.entries()) {
      const entry = decodeEntry(text);
      if (!entry?.status) return undefined;
      if (entry.status === status) matching.push(index);
    }
    const shown = matching.slice(query.offset, query.offset + query.limit);
    if (shown.length === 0) return { total: matching.length, items: [] };
    const records = await this.redis.hmget(chunksKey, ...shown.map(String));
    const items: ChunkView[] = [];
    for (const [i, raw] of records.entries()) {
      const chunk = raw ? decodeChunk(raw) : undefined;
      if (chunk?.status !== status) return undefined;
      items.push(chunkView(shown[i] ?? -1, chunk));
    }
    return { total: matching.length, items };
  }

  private async scannedChunkPage(batchId: string, query: ChunkPageQuery) {
    const matching: ChunkView[] = [];
    for (const [index, chunk] of await this.allChunks(batchId)) {
      if (chunk.status === query.status) matching.push(chunkView(index, chunk));
    }
    matching.sort((a, b) => a.Index - b.Index);
    return { total: matching.length, items: matching.slice(query.offset, query.offset + query.limit) };
  }

  /** How many chunks the batch has (0 for an unknown batch). */
  private async chunkCount(batchId: string): Promise<number> {
    return Number(await this.redis.hget(this.keys.batch(batchId), B.chunkCount));
  }

  /** The batch's instances with their outcomes, in chunk order, filtered and paged. */
  async instancePage(
    batchId: string,
    query: InstancePageQuery,
  ): Promise<{ total: number; items: InstanceView[] }> {
    return (await this.indexedPage(batchId, query)) ?? this.scannedPage(batchId, query);
  }

  /**
   * The page found from the chunks' outcome counts, decoding only the chunks it shows; undefined
   * when a count is missing, or the counts do not add up to the batch's counters read in the same
   * step, or one does not match its record (a batch or a write from before the counts, a write
   * between the reads): the caller scans every chunk instead.
   */
  private async indexedPage(batchId: string, query: InstancePageQuery) {
    const chunkCount = await this.chunkCount(batchId);
    if (!chunkCount) return undefined;
    const chunksKey = this.keys.chunks(batchId);
    const fields = Array.from({ length: chunkCount }, (_, i) => countsField(i));
    const replies = await this.redis
      .multi()
      .hmget(this.keys.batch(batchId), ...COUNTED.map((status) => INSTANCE_COUNTER_FIELDS[status]))
      .hmget(chunksKey, ...fields)
      .exec();
    const [batchCounters, stored] = (replies ?? []).map(([, reply]) => reply as (string | null)[]);
    if (!batchCounters || !stored) return undefined;
    const counts: OutcomeCounts[] = [];
    for (const text of stored) {
      const decoded = decodeEntry(text);
      if (!decoded) return undefined;
      counts.push(decoded.counts);
    }
    const sums = COUNTED.map((status) => counts.reduce((n, c) => n + c[status], 0));
    if (sums.some((sum, i) => sum !== Number(batchCounters[i] ?? 0))) return undefined;
    const plan = planPage(counts, query);
    if (plan.chunks.length === 0) return { total: plan.total, items: [] };
    const records = await this.redis.hmget(chunksKey, ...plan.chunks.map(String));
    const items: InstanceView[] = [];
    for (const [i, raw] of records.entries()) {
      const index = plan.chunks[i] ?? -1;
      if (!raw) return undefined;
      const views = instanceViews(decodeChunk(raw));
      const entry = counts[index];
      if (!entry || encodeCounts(countViews(views)) !== encodeCounts(entry)) return undefined;
      for (const view of views) {
        if (query.status === undefined || view.Status === query.status) items.push(view);
      }
    }
    return { total: plan.total, items: items.slice(plan.skip, plan.skip + query.limit) };
  }

  private async scannedPage(
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
    const [status, cancelRequested, stopCode, stopMessage, request, createdAt, trace] =
      await this.redis.hmget(
        this.keys.batch(batchId),
        B.status,
        ...STOP_FIELDS,
        B.request,
        B.createdAt,
        B.trace,
      );
    if (!status || !request) return undefined;
    return {
      status: status as BatchStatus,
      createdAtMs: Number(createdAt ?? 0),
      stop: stopOutcome({ cancelRequested, stopCode, stopMessage }),
      request: JSON.parse(request) as BatchCallFields,
      trace: trace ?? undefined,
    };
  }
}
