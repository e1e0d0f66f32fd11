import type { InstanceType, InvokerBatchRequest } from "@tat-bulk/tat-api";

export const CHUNK_STATUSES = ["QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"] as const;
export type ChunkStatus = (typeof CHUNK_STATUSES)[number];

/** STAGING is internal: a batch being written is invisible until its jobs are all in the queue. */
export const BATCH_STATUSES = [
  "STAGING",
  "QUEUED",
  "RUNNING",
  "SUCCEEDED",
  "FAILED",
  "PARTIALLY_FAILED",
  "CANCELLED",
] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

export interface ChunkError {
  Code: string;
  Message: string;
  RequestId?: string;
}

/** A chunk as stored (short keys: a 100,000-instance batch stores 1,000 of them). */
export interface StoredChunk {
  /** instance type */
  t: InstanceType;
  /** instance IDs */
  ids: string[];
  /** status */
  s: ChunkStatus;
  /** attempts spent */
  a: number;
  /** invoker ID once created or adopted */
  ivk?: string;
  /** the error that finished it */
  err?: ChunkError;
  /** a CreateInvoker call may have reached TAT without an answer: look before creating again */
  chk?: 1;
  /** epoch ms the first CreateInvoker call of this chunk was sent */
  sent?: number;
  /** epoch ms the invoker was created or adopted */
  done?: number;
}

/** The request fields every call of a batch repeats; InstanceIds live in the chunks. */
export type BatchCallFields = Omit<InvokerBatchRequest, "InstanceIds"> & { Region: string };

export interface BatchCounts {
  Queued: number;
  Running: number;
  Succeeded: number;
  Failed: number;
  Cancelled: number;
}

export interface BatchSummary {
  BatchId: string;
  Status: Exclude<BatchStatus, "STAGING">;
  InstanceCount: number;
  ChunkCount: number;
  DuplicatesRemoved: number;
  Counts: BatchCounts;
  CreatedAt: string;
  UpdatedAt: string;
  StartedAt: string | null;
  FinishedAt: string | null;
  CancelRequested: boolean;
  request: BatchCallFields;
}

export interface ChunkView {
  Index: number;
  InstanceType: InstanceType;
  InstanceIds: string[];
  Status: ChunkStatus;
  InvokerId: string | null;
  Attempts: number;
  Error: ChunkError | null;
}

export interface ChunkJobData {
  batchId: string;
  index: number;
}
