import type { BatchCallFields, BatchReads } from "@tat-bulk/batches";
import type { ChunkJobData } from "@tat-bulk/chunk-queue";
import type { Tracing } from "@tat-bulk/tracing";
import type { Logger } from "pino";
import type { ChunkRecorder } from "./chunk-recorder.js";
import type { RateLimitedTat } from "./rate-limited-tat.js";
import type { RetryPolicy } from "./retry-policy.js";
import type { TatRouter } from "./tat-access.js";
import type { WorkerMetrics } from "./worker-metrics.js";

/** What the chunk pipeline's steps share: their dependencies, and the job they work for. */
export interface ChunkJobDeps {
  reads: BatchReads;
  logger: Logger;
  recorder: ChunkRecorder;
  /** The rate-limited client of a batch's account and region (undefined: not configured here). */
  router: Pick<TatRouter, "for">;
  metrics: WorkerMetrics;
  /** A part's calls: how often (counted failures; an agent check counts as one) and how far apart. */
  retry: RetryPolicy;
  /** Pause after RequestLimitExceeded before the chunk goes again. */
  rateLimitedDelayMs: number;
  /** For a batch record without a Region (the intake always sets one). */
  defaultRegion: string;
  /** Check agents before each part's first CreateInvoker (TAT_PREFLIGHT=agent-status). */
  preflight: boolean;
  /**
   * How long a call may be in flight (the SDK's timeout and a margin for clock skew): a RUNNING
   * chunk whose call is younger may belong to a worker that is alive and lost its job's lock (a
   * Redis restart), so it is left alone until then.
   */
  callWindowMs: number;
  /** Each job is a span of its batch's trace. */
  tracing: Tracing;
}

/** The job, and what every call of its batch repeats (the chunk itself goes from step to step). */
export interface ChunkWork {
  job: ChunkJobData;
  request: BatchCallFields;
  tat: RateLimitedTat;
}
