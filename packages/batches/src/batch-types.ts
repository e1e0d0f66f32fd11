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
