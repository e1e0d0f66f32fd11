import type { ChunkStatus } from "./batch-types.js";
import type { ChunkInvoker, ChunkRecord } from "./chunk-record.js";

/**
 * The batch hash fields that count chunks by status, instances by outcome and invokers by state.
 * Each chunk write moves them by the difference between the chunk's old and new tallies, so they
 * always equal the sum over the chunks. The Lua scripts get field names from here (never derive one).
 */
export const CHUNK_COUNTER_FIELDS: Readonly<Record<ChunkStatus, string>> = {
  QUEUED: "queued",
  RUNNING: "running",
  SUCCEEDED: "succeeded",
  PARTIALLY_FAILED: "partiallyFailed",
  FAILED: "failed",
  CANCELLED: "cancelled",
};
export const INSTANCE_COUNTER_FIELDS = {
  SUCCEEDED: "instancesSucceeded",
  FAILED: "instancesFailed",
  CANCELLED: "instancesCancelled",
} as const;
export const INVOKER_COUNTER_FIELDS: Readonly<Record<ChunkInvoker["state"], string>> = {
  ENABLED: "invokersEnabled",
  DISABLED: "invokersDisabled",
  DELETED: "invokersDeleted",
};

/**
 * A counter per error code of failed instances (`failedCode:<Code>`): the batch's failures by code
 * without reading a failed instance (the console, a status). Moved by the chunk writes as the others.
 */
export const FAILED_CODE_PREFIX = "failedCode:";

/** The counters one chunk contributes. */
export function tally(chunk: ChunkRecord): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (field: string, n: number) => counts.set(field, (counts.get(field) ?? 0) + n);
  add(CHUNK_COUNTER_FIELDS[chunk.status], 1);
  for (const invoker of chunk.invokers) {
    add(INSTANCE_COUNTER_FIELDS.SUCCEEDED, invoker.instanceIds.length);
    add(INVOKER_COUNTER_FIELDS[invoker.state], 1);
  }
  add(INSTANCE_COUNTER_FIELDS.FAILED, chunk.failed.length);
  for (const failed of chunk.failed) add(FAILED_CODE_PREFIX + failed.code, 1);
  add(INSTANCE_COUNTER_FIELDS.CANCELLED, chunk.cancelled?.instanceIds.length ?? 0);
  return counts;
}

/** The counter moves of a chunk write, as the scripts take them: a JSON object of non-zero deltas. */
export function counterDeltas(from: ChunkRecord | undefined, to: ChunkRecord): string {
  const deltas: Record<string, number> = {};
  for (const [field, n] of tally(to)) deltas[field] = n;
  if (from) for (const [field, n] of tally(from)) deltas[field] = (deltas[field] ?? 0) - n;
  for (const [field, n] of Object.entries(deltas)) if (n === 0) delete deltas[field];
  return JSON.stringify(deltas);
}
