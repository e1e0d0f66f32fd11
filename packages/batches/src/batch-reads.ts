import type { RedisClient } from "@tat-bulk/redis";
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
import { CHUNK_COUNTER_FIELDS, INSTANCE_COUNTER_FIELDS, INVOKER_COUNTER_FIELDS } from "./chunk-tally.js";
import { chunkView, instanceViews } from "./chunk-view.js";
import type { RedisKeys } from "./keys.js";
import { type StopOutcome, stopOutcome } from "./stop-outcome.js";

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

/** BATCH_RETENTION's default: finished batches are kept 30 days. */
export const DEFAULT_RETENTION_MS = 30 * 86_400_000;

const iso = (ms: string | undefined) => (ms ? new Date(Number(ms)).toISOString() : null);
const int = (text: string | undefined) => Number(text ?? 0);

function invokerAction(
  h: Record<string, string>,
  counts: BatchSummary["Invokers"],
): BatchSummary["InvokerAction"] {
  const target = h.invokerTarget;
  if (target !== "ENABLED" && target !== "DISABLED" && target !== "DELETED") return null;
  const pending =
    target === "DISABLED"
      ? counts.Enabled
      : target === "DELETED"
        ? counts.Enabled + counts.Disabled
        : counts.Disabled;
  return {
    Target: target,
    RequestedAt: iso(h.invokerRequestedAt) ?? "",
    DoneAt: iso(h.invokerDoneAt),
    Pending: pending,
    Error: h.invokerError ?? null,
  };
}

/** The batch's visible summary from its hash; undefined while it is STAGING (being written) or absent. */
export function summaryFromHash(
  batchId: string,
  h: Record<string, string>,
  retentionMs = DEFAULT_RETENTION_MS,
): BatchSummary | undefined {
  const status = h.status as BatchStatus | undefined;
  if (!status || status === "STAGING" || !h.request) return undefined;
  const count = (s: ChunkStatus) => int(h[CHUNK_COUNTER_FIELDS[s]]);
  const instance = (s: keyof typeof INSTANCE_COUNTER_FIELDS) => int(h[INSTANCE_COUNTER_FIELDS[s]]);
  const invoker = (s: keyof typeof INVOKER_COUNTER_FIELDS) => int(h[INVOKER_COUNTER_FIELDS[s]]);
  const instances = {
    Succeeded: instance("SUCCEEDED"),
    Failed: instance("FAILED"),
    Cancelled: instance("CANCELLED"),
  };
  const invokers = {
    Enabled: invoker("ENABLED"),
    Disabled: invoker("DISABLED"),
    Deleted: invoker("DELETED"),
  };
  return {
    BatchId: batchId,
    Status: status,
    InstanceCount: int(h.instanceCount),
    ChunkCount: int(h.chunkCount),
    DuplicatesRemoved: int(h.duplicatesRemoved),
    Counts: {
      Queued: count("QUEUED"),
      Running: count("RUNNING"),
      Succeeded: count("SUCCEEDED"),
      PartiallyFailed: count("PARTIALLY_FAILED"),
      Failed: count("FAILED"),
      Cancelled: count("CANCELLED"),
    },
    Instances: {
      ...instances,
      Pending: int(h.instanceCount) - instances.Succeeded - instances.Failed - instances.Cancelled,
    },
    Invokers: invokers,
    InvokerAction: invokerAction(h, invokers),
    StopReason: h.stopCode ? { Code: h.stopCode, Message: h.stopMessage ?? "" } : null,
    Caller: h.caller ?? null,
    CreatedAt: iso(h.createdAt) ?? "",
    UpdatedAt: iso(h.updatedAt) ?? "",
    StartedAt: iso(h.startedAt),
    FinishedAt: iso(h.finishedAt),
    CancelRequested: h.cancelRequested === "1",
    ExpiresAt: h.quietAt ? new Date(Number(h.quietAt) + retentionMs).toISOString() : null,
    lastRunId: h.lastRunId ?? null,
    request: JSON.parse(h.request) as BatchCallFields,
  };
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
      "invokerTarget",
      "invokerSeq",
      "request",
    );
    if (!request || (target !== "ENABLED" && target !== "DISABLED" && target !== "DELETED")) return undefined;
    const { Region, Account } = JSON.parse(request) as BatchCallFields;
    return { target, seq: Number(seq), region: Region, ...(Account ? { account: Account } : {}) };
  }

  async forWorker(batchId: string): Promise<WorkerBatchView | undefined> {
    const [status, cancelRequested, stopCode, stopMessage, request, createdAt] = await this.redis.hmget(
      this.keys.batch(batchId),
      "status",
      "cancelRequested",
      "stopCode",
      "stopMessage",
      "request",
      "createdAt",
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
