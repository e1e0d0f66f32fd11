import type { InstanceType, InvokerBatchRequest } from "@tat-bulk/tat-api";

/**
 * A chunk is QUEUED (waiting, also between retries), RUNNING (a call in flight), or final:
 * SUCCEEDED (every instance has its invoker), PARTIALLY_FAILED (some do, others failed), FAILED
 * (none does), CANCELLED (the batch stopped before its instances were all sent).
 */
export const CHUNK_STATUSES = [
  "QUEUED",
  "RUNNING",
  "SUCCEEDED",
  "PARTIALLY_FAILED",
  "FAILED",
  "CANCELLED",
] as const;
export type ChunkStatus = (typeof CHUNK_STATUSES)[number];
/** Every status after RUNNING is final. */
export const FINAL_CHUNK_STATUSES: ReadonlySet<ChunkStatus> = new Set(CHUNK_STATUSES.slice(2));

/** STAGING is internal: a batch being written is invisible until its jobs are all in the queue. */
export const BATCH_STATUSES = [
  "STAGING",
  "QUEUED",
  "RUNNING",
  "CANCELLING",
  "SUCCEEDED",
  "FAILED",
  "PARTIALLY_FAILED",
  "CANCELLED",
] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

/** An instance's outcome: SUCCEEDED when it is in an invoker, FAILED or CANCELLED with a reason, else PENDING. */
export const INSTANCE_STATUSES = ["SUCCEEDED", "FAILED", "PENDING", "CANCELLED"] as const;
export type InstanceStatus = (typeof INSTANCE_STATUSES)[number];

export interface ChunkError {
  Code: string;
  Message: string;
  RequestId?: string;
}

/** The request fields every call of a batch repeats; InstanceIds live in the chunks. */
export type BatchCallFields = Omit<InvokerBatchRequest, "InstanceIds"> & { Region: string };

export interface BatchCounts {
  Queued: number;
  Running: number;
  Succeeded: number;
  PartiallyFailed: number;
  Failed: number;
  Cancelled: number;
}

export interface InstanceCounts {
  Succeeded: number;
  Failed: number;
  Pending: number;
  Cancelled: number;
}

/** The state tat-bulk last brought each invoker to (it does not watch changes made outside it). */
export const INVOKER_STATES = ["ENABLED", "DISABLED", "DELETED"] as const;
export type InvokerState = (typeof INVOKER_STATES)[number];

/** The batch's last invoker action (disable, enable, delete) and how far it got. */
export interface InvokerAction {
  Target: InvokerState;
  RequestedAt: string;
  DoneAt: string | null;
  /** Invokers not yet in the target state. */
  Pending: number;
  /** Why it cannot finish (TAT refused for good), if it cannot. */
  Error: string | null;
}

export interface BatchSummary {
  BatchId: string;
  Status: Exclude<BatchStatus, "STAGING">;
  InstanceCount: number;
  ChunkCount: number;
  DuplicatesRemoved: number;
  Counts: BatchCounts;
  Instances: InstanceCounts;
  /** Failed instances by error code (counted with the chunk writes: no instance is read for it). */
  FailedByCode: Record<string, number>;
  Invokers: { Enabled: number; Disabled: number; Deleted: number };
  InvokerAction: InvokerAction | null;
  /** Why the batch stopped before sending everything (not set for a plain cancel). */
  StopReason: { Code: string; Message: string } | null;
  /** The caller that submitted it (null for a batch from before callers existed). */
  Caller: string | null;
  CreatedAt: string;
  UpdatedAt: string;
  StartedAt: string | null;
  FinishedAt: string | null;
  CancelRequested: boolean;
  /** When retention removes it: BATCH_RETENTION after it finished (runs, invoker action, webhooks included); null before. */
  ExpiresAt: string | null;
  /** Its latest run (packages/runs), if it has one. */
  lastRunId: string | null;
  /** Its OpenTelemetry trace (the submit's request span is its root); null when tracing was off. */
  TraceId: string | null;
  request: BatchCallFields;
}

export interface ChunkView {
  Index: number;
  InstanceType: InstanceType;
  InstanceIds: string[];
  Status: ChunkStatus;
  /** The chunk's first invoker (several after a split: see Invokers). */
  InvokerId: string | null;
  Invokers: Array<{ InvokerId: string; InstanceIds: string[] }>;
  FailedInstances: Array<{ InstanceId: string; Code: string; Message: string }>;
  Attempts: number;
  Error: ChunkError | null;
}

/** One instance of a batch as the instances route shows it. */
export interface InstanceView {
  InstanceId: string;
  Status: InstanceStatus;
  InvokerId: string | null;
  Error: { Code: string; Message: string } | null;
}
