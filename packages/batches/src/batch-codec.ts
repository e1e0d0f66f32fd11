import { traceIdOf } from "@tat-bulk/tracing";
import { BATCH_FIELD as B, invokersPending } from "./batch-hash.js";
import {
  type BatchCallFields,
  type BatchStatus,
  type BatchSummary,
  type ChunkStatus,
  INVOKER_STATES,
  type InvokerState,
} from "./batch-types.js";
import {
  CHUNK_COUNTER_FIELDS,
  FAILED_CODE_PREFIX,
  INSTANCE_COUNTER_FIELDS,
  INVOKER_COUNTER_FIELDS,
} from "./chunk-tally.js";

/**
 * The batch hash as the code reads it (beside chunk-codec.ts for chunks): its summary, and how a
 * stopped batch's unsent instances end. The field names are batch-hash.ts's.
 */

/** BATCH_RETENTION's default: finished batches are kept 30 days. */
export const DEFAULT_RETENTION_MS = 30 * 86_400_000;

/** What a stopping batch's instances not yet sent become: cancelled, or failed with the stop's error. */
export interface StopOutcome {
  as: "cancelled" | "failed";
  code: string;
  message: string;
}

export const MAX_ERRORS_CODE = "MaxErrorsExceeded";

/** The fields stopOutcome reads, in this order (for an HMGET). */
export const STOP_FIELDS = [B.cancelRequested, B.stopCode, B.stopMessage] as const;

const iso = (ms: string | undefined) => (ms ? new Date(Number(ms)).toISOString() : null);
const int = (text: string | undefined) => Number(text ?? 0);

export const isInvokerState = (value: string | null | undefined): value is InvokerState =>
  (INVOKER_STATES as readonly (string | null | undefined)[]).includes(value);

/** How a batch's unsent instances end, from its stop fields (STOP_FIELDS); undefined while it goes on. */
export function stopOutcome(fields: {
  cancelRequested?: string | null;
  stopCode?: string | null;
  stopMessage?: string | null;
}): StopOutcome | undefined {
  if (fields.cancelRequested === "1") {
    return {
      as: "cancelled",
      code: "Cancelled",
      message: "The batch was cancelled before these instances were sent",
    };
  }
  if (!fields.stopCode) return undefined;
  const message = fields.stopMessage ?? "";
  if (fields.stopCode === MAX_ERRORS_CODE) return { as: "cancelled", code: MAX_ERRORS_CODE, message };
  return {
    as: "failed",
    code: fields.stopCode,
    message:
      `Not sent: the batch stopped on ${fields.stopCode}, which every chunk would meet: ${message}`.slice(
        0,
        1000,
      ),
  };
}

function invokerAction(
  h: Record<string, string>,
  counts: BatchSummary["Invokers"],
): BatchSummary["InvokerAction"] {
  const target = h[B.invokerTarget];
  if (!isInvokerState(target)) return null;
  return {
    Target: target,
    RequestedAt: iso(h[B.invokerRequestedAt]) ?? "",
    DoneAt: iso(h[B.invokerDoneAt]),
    Pending: invokersPending(target, {
      ENABLED: counts.Enabled,
      DISABLED: counts.Disabled,
      DELETED: counts.Deleted,
    }),
    Error: h[B.invokerError] ?? null,
  };
}

/** The failedCode:<Code> counters above zero, by code. */
function failedByCode(h: Record<string, string>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [field, value] of Object.entries(h)) {
    if (field.startsWith(FAILED_CODE_PREFIX) && Number(value) > 0)
      counts[field.slice(FAILED_CODE_PREFIX.length)] = Number(value);
  }
  return counts;
}

/** The batch's visible summary from its hash; undefined while it is STAGING (being written) or absent. */
export function summaryFromHash(
  batchId: string,
  h: Record<string, string>,
  retentionMs = DEFAULT_RETENTION_MS,
): BatchSummary | undefined {
  const status = h[B.status] as BatchStatus | undefined;
  const request = h[B.request];
  if (!status || status === "STAGING" || !request) return undefined;
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
  const instanceCount = int(h[B.instanceCount]);
  const stopCode = h[B.stopCode];
  const quietAt = h[B.quietAt];
  return {
    BatchId: batchId,
    Status: status,
    InstanceCount: instanceCount,
    ChunkCount: int(h[B.chunkCount]),
    DuplicatesRemoved: int(h[B.duplicatesRemoved]),
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
      Pending: instanceCount - instances.Succeeded - instances.Failed - instances.Cancelled,
    },
    FailedByCode: failedByCode(h),
    Invokers: invokers,
    InvokerAction: invokerAction(h, invokers),
    StopReason: stopCode ? { Code: stopCode, Message: h[B.stopMessage] ?? "" } : null,
    Caller: h[B.caller] ?? null,
    CreatedAt: iso(h[B.createdAt]) ?? "",
    UpdatedAt: iso(h[B.updatedAt]) ?? "",
    StartedAt: iso(h[B.startedAt]),
    FinishedAt: iso(h[B.finishedAt]),
    CancelRequested: h[B.cancelRequested] === "1",
    ExpiresAt: quietAt ? new Date(Number(quietAt) + retentionMs).toISOString() : null,
    lastRunId: h[B.lastRunId] ?? null,
    TraceId: traceIdOf(h[B.trace]) ?? null,
    request: JSON.parse(request) as BatchCallFields,
  };
}
