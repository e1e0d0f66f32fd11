import type { InstanceType } from "@tat-bulk/tat-api";
import type { ChunkError, ChunkStatus, InvokerState } from "./batch-types.js";

/**
 * Instances of a chunk still to be sent, as one CreateInvoker call. A chunk starts as one part of
 * all its instances; the agent check narrows a part to its online instances, and a per-instance
 * failure TAT does not pin down splits it in two.
 */
export interface ChunkPart {
  /**
   * Names the part's invoker (its tag is `<batch>/<index>` for "", else `<batch>/<index>/<key>`):
   * how a retry finds an invoker this part's earlier call may have created. Unique in the chunk.
   */
  key: string;
  instanceIds: string[];
  /** The agents were checked before sending (pre-flight). */
  checked: boolean;
  /** A per-instance failure was answered once already: the next one splits the part. */
  rechecked: boolean;
  /** Calls of this part that counted against the attempt limit. */
  attempts: number;
  /** A call may have reached TAT without an answer: look for its invoker before creating again. */
  mayExist: boolean;
  /** Epoch ms its first call was sent (matching by content accepts invokers created since). */
  firstSentAt?: number;
  /** Epoch ms its latest call was sent: while the chunk is RUNNING, that call may still be in flight. */
  sentAt?: number;
  /**
   * Retryable failures counted as attempts but still refundable, with their action and when (Redis's
   * clock). One is given back if a circuit of its endpoint + account opened since (it was an outage's
   * first sign), and kept for good once TAT answered any call since (it was the part's own). A part
   * out of attempts with undecided failures waits for the decision, so an outage spends no attempts
   * however fast the part retried before the circuit opened.
   */
  pendingFailures?: PendingFailure[];
}

export interface PendingFailure {
  action: string;
  /** Epoch ms. */
  at: number;
}

/** An invoker a chunk created (or adopted), and its state at TAT as tat-bulk last set it. */
export interface ChunkInvoker {
  invokerId: string;
  instanceIds: string[];
  state: InvokerState;
}

export interface FailedInstance {
  instanceId: string;
  code: string;
  message: string;
  /** The part it was in when a call of uncertain outcome failed: its invoker may exist after all. */
  uncertainPart?: string;
}

/** A chunk as the code reads it; the codec (chunk-codec.ts) is the one place that knows how it is stored. */
export interface ChunkRecord {
  /** Bumped by every write. */
  version: number;
  /**
   * Names the write that stored this record (random; absent on the intake's first). A write names
   * the version and write it read (compare-and-set on both, `chunkStamp`), so two records of one
   * version never pass for each other, and a writer whose answer was lost knows its own write.
   */
  writeId?: string;
  instanceType: InstanceType;
  /** Every instance of the chunk, as enqueued. */
  instanceIds: string[];
  status: ChunkStatus;
  /** CreateInvoker calls that counted against attempt limits, over all parts (shown as Attempts). */
  attempts: number;
  /** The error that finished the chunk, or the last one before a retry. */
  error?: ChunkError;
  /** Still to send, in order. */
  parts: ChunkPart[];
  invokers: ChunkInvoker[];
  failed: FailedInstance[];
  /** Instances not sent because the batch stopped, with why. */
  cancelled: { instanceIds: string[]; code: string; message: string } | undefined;
  /** Retry rounds (POST …/retry): names the chunk's job and its new parts' keys. */
  round: number;
  /** Epoch ms the chunk reached its final status. */
  doneAt?: number;
}

export function newPart(key: string, instanceIds: string[], fields: Partial<ChunkPart> = {}): ChunkPart {
  return { key, instanceIds, checked: false, rechecked: false, attempts: 0, mayExist: false, ...fields };
}

export function newChunkRecord(instanceType: InstanceType, instanceIds: string[]): ChunkRecord {
  return {
    version: 0,
    instanceType,
    instanceIds,
    status: "QUEUED",
    attempts: 0,
    parts: [newPart("", instanceIds)],
    invokers: [],
    failed: [],
    cancelled: undefined,
    round: 0,
  };
}

/** The status a chunk with nothing left to send ends with. */
export function finalStatusOf(chunk: ChunkRecord): ChunkStatus {
  if (chunk.cancelled && chunk.cancelled.instanceIds.length > 0) return "CANCELLED";
  if (chunk.failed.length === 0) return "SUCCEEDED";
  return chunk.invokers.length === 0 ? "FAILED" : "PARTIALLY_FAILED";
}
