import type { InstanceType } from "@tat-bulk/tat-api";
import type { ChunkError, ChunkStatus, ChunkView } from "./batch-types.js";

/** A chunk as the code reads it; `encodeChunk` is the one place that knows how it is stored. */
export interface ChunkRecord {
  /** Bumped by every write; a write names the version it read (compare-and-set). */
  version: number;
  instanceType: InstanceType;
  instanceIds: string[];
  status: ChunkStatus;
  /** CreateInvoker calls that counted against the attempt limit. */
  attempts: number;
  invokerId?: string;
  /** The error that finished it, or the last one before a retry. */
  error?: ChunkError;
  /** A call may have reached TAT without an answer: look for its invoker before creating again. */
  mayExist: boolean;
  /** Epoch ms the first CreateInvoker call of this chunk was sent. */
  firstSentAt?: number;
  /** Epoch ms its invoker was created or adopted. */
  doneAt?: number;
}

/** The stored form: short keys, since a 100,000-instance batch stores 1,000 of them. */
interface StoredChunk {
  t: InstanceType;
  ids: string[];
  s: ChunkStatus;
  a: number;
  ivk?: string;
  err?: ChunkError;
  chk?: 1;
  sent?: number;
  done?: number;
}

/**
 * The batch hash field that counts the chunks in each status. The Lua scripts get this map as an
 * argument (they never derive a field name from a status), so it is the only statement of it.
 */
export const CHUNK_COUNTER_FIELDS: Readonly<Record<ChunkStatus, string>> = {
  QUEUED: "queued",
  RUNNING: "running",
  SUCCEEDED: "succeeded",
  FAILED: "failed",
  CANCELLED: "cancelled",
};
export const CHUNK_COUNTER_FIELDS_JSON = JSON.stringify(CHUNK_COUNTER_FIELDS);

export function newChunkRecord(instanceType: InstanceType, instanceIds: string[]): ChunkRecord {
  return { version: 0, instanceType, instanceIds, status: "QUEUED", attempts: 0, mayExist: false };
}

/** `<version>|<json>`: the scripts read the version without decoding the rest. */
export function encodeChunk(record: ChunkRecord): string {
  const stored: StoredChunk = {
    t: record.instanceType,
    ids: record.instanceIds,
    s: record.status,
    a: record.attempts,
    ...(record.invokerId ? { ivk: record.invokerId } : {}),
    ...(record.error ? { err: record.error } : {}),
    ...(record.mayExist ? { chk: 1 as const } : {}),
    ...(record.firstSentAt !== undefined ? { sent: record.firstSentAt } : {}),
    ...(record.doneAt !== undefined ? { done: record.doneAt } : {}),
  };
  return `${record.version}|${JSON.stringify(stored)}`;
}

export function decodeChunk(raw: string): ChunkRecord {
  const bar = raw.indexOf("|");
  const version = Number(raw.slice(0, bar));
  if (bar < 1 || !Number.isInteger(version)) throw new Error(`not a stored chunk: ${raw.slice(0, 40)}`);
  const stored = JSON.parse(raw.slice(bar + 1)) as StoredChunk;
  return {
    version,
    instanceType: stored.t,
    instanceIds: stored.ids,
    status: stored.s,
    attempts: stored.a,
    mayExist: stored.chk === 1,
    ...(stored.ivk ? { invokerId: stored.ivk } : {}),
    ...(stored.err ? { error: stored.err } : {}),
    ...(stored.sent !== undefined ? { firstSentAt: stored.sent } : {}),
    ...(stored.done !== undefined ? { doneAt: stored.done } : {}),
  };
}

export function chunkView(index: number, chunk: ChunkRecord): ChunkView {
  return {
    Index: index,
    InstanceType: chunk.instanceType,
    InstanceIds: chunk.instanceIds,
    Status: chunk.status,
    InvokerId: chunk.invokerId ?? null,
    Attempts: chunk.attempts,
    Error: chunk.error ?? null,
  };
}
