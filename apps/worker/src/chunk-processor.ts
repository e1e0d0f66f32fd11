import type {
  BatchCallFields,
  BatchStore,
  ChunkError,
  ChunkJobData,
  ChunkStatus,
  StoredChunk,
  TransitionRequest,
} from "@tat-bulk/batches";
import { LimiterClosedError } from "@tat-bulk/rate-limit";
import { classifyError, isInvokeTimeExpired, parseInvokeTime } from "@tat-bulk/tat-api";
import type { Logger } from "pino";
import { backoffMs } from "./backoff.js";
import { tagsForChunk } from "./chunk-identity.js";
import { type FindResult, findChunkInvoker } from "./invoker-finder.js";
import type { RateLimitedTat } from "./rate-limited-tat.js";
import type { WorkerMetrics } from "./worker-metrics.js";

export interface ChunkProcessorDeps {
  store: BatchStore;
  tat: RateLimitedTat;
  metrics: WorkerMetrics;
  logger: Logger;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Pause after RequestLimitExceeded before the chunk goes again. */
  rateLimitedDelayMs: number;
  /** For a batch record without a Region (the intake always sets one). */
  defaultRegion: string;
}

/** `done`: nothing more to do for this job. `retry`: put it back in the queue after `delayMs`. */
export type ChunkOutcome = { kind: "done" } | { kind: "retry"; delayMs: number };

const FINAL: ReadonlySet<ChunkStatus> = new Set(["SUCCEEDED", "FAILED", "CANCELLED"]);
const STAGING_RECHECK_MS = 500;
const DONE: ChunkOutcome = { kind: "done" };

/**
 * One chunk job, start to end: skip what is final or cancelled, fail an expired ONCE, look for an
 * invoker an ambiguous earlier attempt may have created, then create it under the shared rate
 * limit and record the outcome. Every status change is one atomic step in Redis.
 */
export class ChunkProcessor {
  constructor(private readonly deps: ChunkProcessorDeps) {}

  private async finish(
    job: ChunkJobData,
    status: "SUCCEEDED" | "FAILED" | "CANCELLED",
    patch: Partial<StoredChunk>,
    code: string,
  ): Promise<void> {
    const transition: TransitionRequest = {
      from: ["QUEUED", "RUNNING"],
      to: status,
      patch,
      unset: status === "FAILED" ? ["chk"] : ["chk", "err"],
    };
    const result = await this.deps.store.transition(job.batchId, job.index, transition);
    if (result.kind !== "ok") return;
    this.deps.metrics.chunksFinished.inc({ status, code });
    if (result.finished) {
      const seconds = (Date.now() - result.finished.createdAtMs) / 1000;
      this.deps.metrics.batchDuration.observe({ status: result.finished.status }, seconds);
      this.deps.logger.info(
        { batchId: job.batchId, status: result.finished.status, seconds },
        "batch finished",
      );
    }
  }

  private fail(job: ChunkJobData, err: ChunkError): Promise<void> {
    return this.finish(job, "FAILED", { err }, err.Code);
  }

  private async requeue(
    job: ChunkJobData,
    patch: Partial<StoredChunk>,
    ambiguous: boolean,
    attemptDelta: number,
    delayMs: number,
    reason: string,
  ): Promise<ChunkOutcome> {
    await this.deps.store.transition(job.batchId, job.index, {
      from: ["QUEUED", "RUNNING"],
      to: "QUEUED",
      patch: ambiguous ? { ...patch, chk: 1 } : patch,
      unset: ambiguous ? [] : ["chk"],
      attemptDelta,
    });
    this.deps.metrics.chunkRetries.inc({ reason });
    return { kind: "retry", delayMs };
  }

  private lookUp(job: ChunkJobData, request: BatchCallFields, chunk: StoredChunk): Promise<FindResult> {
    return findChunkInvoker(this.deps.tat, request, {
      batchId: job.batchId,
      index: job.index,
      instanceIds: chunk.ids,
      firstSentMs: chunk.sent ?? 0,
    });
  }

  private async adopt(job: ChunkJobData, invokerId: string): Promise<void> {
    this.deps.metrics.invokersAdopted.inc();
    this.deps.logger.info({ batchId: job.batchId, chunk: job.index, invokerId }, "adopted");
    await this.finish(job, "SUCCEEDED", { ivk: invokerId, done: Date.now() }, "Success");
  }

  private backoff(attempt: number): number {
    return backoffMs(attempt, this.deps.retryBaseMs, this.deps.retryMaxMs);
  }

  async process(job: ChunkJobData): Promise<ChunkOutcome> {
    try {
      return await this.run(job);
    } catch (error) {
      // Shutting down while waiting for a slot: nothing was sent; the job goes back to the queue.
      if (error instanceof LimiterClosedError) return { kind: "retry", delayMs: 0 };
      throw error;
    }
  }

  private async run(job: ChunkJobData): Promise<ChunkOutcome> {
    const { store, tat, maxAttempts } = this.deps;
    const batch = await store.loadForWorker(job.batchId);
    // Rolled back or expired before commit: the job is an orphan.
    if (!batch) return DONE;
    if (batch.status === "STAGING") return { kind: "retry", delayMs: STAGING_RECHECK_MS };
    const chunk = await store.loadChunk(job.batchId, job.index);
    if (!chunk || FINAL.has(chunk.s)) return DONE;
    const request = { ...batch.request, Region: batch.request.Region || this.deps.defaultRegion };
    if (batch.cancelRequested) {
      // An earlier call may have created the invoker: then the chunk did run, and says so.
      const found = chunk.chk === 1 ? await this.lookUp(job, request, chunk) : undefined;
      if (found?.kind === "found") await this.adopt(job, found.invokerId);
      else await this.finish(job, "CANCELLED", {}, "Cancelled");
      return DONE;
    }
    const ambiguousBefore = chunk.chk === 1;
    if (ambiguousBefore) {
      const found = await this.lookUp(job, request, chunk);
      if (found.kind === "found") {
        await this.adopt(job, found.invokerId);
        return DONE;
      }
      if (found.kind === "unknown") {
        const { disposition } = classifyError(found.code);
        if (disposition === "rate-limited") {
          await tat.penalize("DescribeInvokers");
          return this.requeue(job, {}, true, 0, this.deps.rateLimitedDelayMs, found.code);
        }
        const err = {
          Code: found.code,
          Message: "Could not look for an invoker created by an earlier attempt",
        };
        if (disposition === "final" || chunk.a + 1 >= maxAttempts) {
          await this.fail(job, err);
          return DONE;
        }
        return this.requeue(job, { err }, true, 1, this.backoff(chunk.a + 1), found.code);
      }
    }
    const invokeTime =
      request.ScheduleSettings.Policy === "ONCE" && request.ScheduleSettings.InvokeTime
        ? parseInvokeTime(request.ScheduleSettings.InvokeTime)
        : undefined;
    if (invokeTime && isInvokeTimeExpired(invokeTime, new Date())) {
      await this.fail(job, {
        Code: "InvalidParameterValue.InvokeTimeExpired",
        Message: `InvokeTime ${request.ScheduleSettings.InvokeTime} passed while the chunk waited`,
      });
      return DONE;
    }
    if (chunk.a >= maxAttempts) {
      await this.fail(job, chunk.err ?? { Code: "InternalError", Message: "No attempts left" });
      return DONE;
    }

    const params = {
      Name: request.Name,
      Type: request.Type,
      CommandId: request.CommandId,
      InstanceIds: chunk.ids,
      ScheduleSettings: request.ScheduleSettings,
      Tags: tagsForChunk(request, job.batchId, job.index),
      ...(request.Username !== undefined ? { Username: request.Username } : {}),
      ...(request.Parameters !== undefined ? { Parameters: request.Parameters } : {}),
    };
    let cancelled = false;
    const result = await tat.call<{ InvokerId: string }>(
      "CreateInvoker",
      request.Region,
      params,
      async () => {
        // One step right before sending: refuse if cancelled, else mark RUNNING and "look first".
        // From here on, until TAT answers, the invoker may exist: a crash now means a look next time.
        const marked = await store.transition(job.batchId, job.index, {
          from: ["QUEUED", "RUNNING"],
          to: "RUNNING",
          patch: { chk: 1, sent: chunk.sent ?? Date.now() },
          attemptDelta: 1,
          abortIfCancelled: true,
        });
        cancelled = marked.kind === "cancelled";
        return marked.kind === "ok";
      },
    );
    if (!result) {
      if (cancelled) await this.finish(job, "CANCELLED", {}, "Cancelled");
      return DONE;
    }
    if (result.ok) {
      await this.finish(job, "SUCCEEDED", { ivk: result.response.InvokerId, done: Date.now() }, "Success");
      return DONE;
    }
    const err: ChunkError = {
      Code: result.code,
      Message: result.message.slice(0, 1000),
      ...(result.requestId ? { RequestId: result.requestId } : {}),
    };
    const { disposition, mayHaveCreated } = classifyError(result.code);
    if (disposition === "rate-limited") {
      await tat.penalize("CreateInvoker");
      return this.requeue(job, {}, ambiguousBefore, -1, this.deps.rateLimitedDelayMs, result.code);
    }
    if (disposition === "final") {
      await this.fail(job, err);
      return DONE;
    }
    const ambiguous = mayHaveCreated || ambiguousBefore;
    const attempts = chunk.a + 1;
    if (attempts >= maxAttempts && !ambiguous) {
      await this.fail(job, err);
      return DONE;
    }
    // An ambiguous last attempt still gets its look after the backoff, then fails if nothing is there.
    return this.requeue(job, { err }, ambiguous, 0, this.backoff(attempts), result.code);
  }
}
