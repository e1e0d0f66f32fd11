import type { BatchCallFields, BatchReads, ChunkJobData } from "@tat-bulk/batches";
import { LimiterClosedError } from "@tat-bulk/rate-limit";
import { classifyError, isInvokeTimeExpired, parseInvokeTime } from "@tat-bulk/tat-api";
import { backoffMs } from "./backoff.js";
import { callOutcome } from "./call-outcome.js";
import { tagsForChunk } from "./chunk-identity.js";
import { type ChunkOutcome, type ChunkRecorder, DONE, type HeldChunk } from "./chunk-recorder.js";
import { findChunkInvoker } from "./invoker-finder.js";
import type { RateLimitedTat } from "./rate-limited-tat.js";

export interface ChunkJobDeps {
  reads: BatchReads;
  recorder: ChunkRecorder;
  tat: RateLimitedTat;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Pause after RequestLimitExceeded before the chunk goes again. */
  rateLimitedDelayMs: number;
  /** For a batch record without a Region (the intake always sets one). */
  defaultRegion: string;
}

export type { ChunkOutcome } from "./chunk-recorder.js";

const FINAL = new Set(["SUCCEEDED", "FAILED", "CANCELLED"]);
const STAGING_RECHECK_MS = 500;

/**
 * One chunk job, start to end, as explicit steps:
 *   1. load the batch and the chunk (skip what is final, wait for a batch still being written);
 *   2. a cancelled batch: settle the chunk (adopting an invoker an earlier call may have made);
 *   3. look up: an earlier call may have created the invoker; adopt it instead of creating another;
 *   4. check expiry: a ONCE whose InvokeTime passed while it waited fails without a call;
 *   5. send CreateInvoker under the shared rate limit, marking the chunk RUNNING right before;
 *   6. classify the answer and record it.
 */
export class ChunkJob {
  constructor(private readonly deps: ChunkJobDeps) {}

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
    const { reads, recorder } = this.deps;
    const batch = await reads.forWorker(job.batchId);
    // Rolled back or expired before commit: the job is an orphan.
    if (!batch) return DONE;
    if (batch.status === "STAGING") return { kind: "retry", delayMs: STAGING_RECHECK_MS };
    const record = await reads.chunk(job.batchId, job.index);
    if (!record || FINAL.has(record.status)) return DONE;
    const held: HeldChunk = { job, record };
    const request = { ...batch.request, Region: batch.request.Region || this.deps.defaultRegion };
    // A chunk still RUNNING when a job picks it up lost its call with its worker: that call counts.
    if (record.status === "RUNNING") held.record = { ...record, attempts: record.attempts + 1 };

    if (batch.cancelRequested) {
      const found = held.record.mayExist ? await this.lookUp(held, request) : undefined;
      if (found?.kind === "found") return this.adopt(held, found.invokerId);
      return recorder.cancelled(held);
    }
    if (held.record.mayExist) {
      const looked = await this.lookFirst(held, request);
      if (looked) return looked;
    }
    if (this.expired(request)) {
      return recorder.failed(
        held,
        {
          Code: "InvalidParameterValue.InvokeTimeExpired",
          Message: `InvokeTime ${request.ScheduleSettings.InvokeTime} passed while the chunk waited`,
        },
        false,
      );
    }
    if (held.record.attempts >= this.deps.maxAttempts) {
      return recorder.failed(
        held,
        held.record.error ?? { Code: "InternalError", Message: "No attempts left" },
        false,
      );
    }
    return this.send(held, request);
  }

  private lookUp(held: HeldChunk, request: BatchCallFields) {
    return findChunkInvoker(this.deps.tat, request, {
      batchId: held.job.batchId,
      index: held.job.index,
      instanceIds: held.record.instanceIds,
      firstSentMs: held.record.firstSentAt ?? 0,
    });
  }

  private async adopt(held: HeldChunk, invokerId: string): Promise<ChunkOutcome> {
    await this.deps.recorder.succeeded(held, invokerId, { adopted: true, callCounts: false });
    return DONE;
  }

  /** Step 3: answers the job's outcome when the look settles it, undefined to go on and send. */
  private async lookFirst(held: HeldChunk, request: BatchCallFields): Promise<ChunkOutcome | undefined> {
    const found = await this.lookUp(held, request);
    if (found.kind === "found") return this.adopt(held, found.invokerId);
    if (found.kind === "absent") return undefined;
    const { disposition } = classifyError(found.code);
    if (disposition === "rate-limited") {
      await this.deps.tat.penalize("DescribeInvokers");
      return this.deps.recorder.requeue(held, {
        mayExist: true,
        countsAttempt: false,
        delayMs: this.deps.rateLimitedDelayMs,
        reason: found.code,
      });
    }
    const error = {
      Code: found.code,
      Message: "Could not look for an invoker created by an earlier attempt",
    };
    const attempts = held.record.attempts + 1;
    if (disposition === "final" || attempts >= this.deps.maxAttempts)
      return this.deps.recorder.failed(held, error, true);
    return this.deps.recorder.requeue(held, {
      error,
      mayExist: true,
      countsAttempt: true,
      delayMs: this.backoff(attempts),
      reason: found.code,
    });
  }

  /** Step 4. */
  private expired(request: BatchCallFields): boolean {
    const { Policy, InvokeTime } = request.ScheduleSettings;
    const invokeTime = Policy === "ONCE" && InvokeTime ? parseInvokeTime(InvokeTime) : undefined;
    return invokeTime !== undefined && isInvokeTimeExpired(invokeTime, new Date());
  }

  /** Steps 5 and 6. */
  private async send(held: HeldChunk, request: BatchCallFields): Promise<ChunkOutcome> {
    const { tat, recorder, maxAttempts } = this.deps;
    const mayExistBefore = held.record.mayExist;
    const marked: { as: "ok" | "cancelled" | "lost" } = { as: "lost" };
    const params = {
      Name: request.Name,
      Type: request.Type,
      CommandId: request.CommandId,
      InstanceIds: held.record.instanceIds,
      ScheduleSettings: request.ScheduleSettings,
      Tags: tagsForChunk(request, held.job.batchId, held.job.index),
      ...(request.Username !== undefined ? { Username: request.Username } : {}),
      ...(request.Parameters !== undefined ? { Parameters: request.Parameters } : {}),
    };
    // From the RUNNING mark on, until TAT answers, the invoker may exist: a crash now means a look next time.
    const result = await tat.call<{ InvokerId: string }>(
      "CreateInvoker",
      request.Region,
      params,
      async () => {
        marked.as = await recorder.sending(held);
        return marked.as === "ok";
      },
    );
    if (!result) return marked.as === "cancelled" ? recorder.cancelled(held) : DONE;
    const attempts = held.record.attempts + 1;
    const outcome = callOutcome(result, { mayExistBefore, attempts, maxAttempts });
    switch (outcome.kind) {
      case "created":
        await recorder.succeeded(held, outcome.invokerId, { adopted: false, callCounts: true });
        return DONE;
      case "rate-limited":
        await tat.penalize("CreateInvoker");
        return recorder.requeue(held, {
          mayExist: mayExistBefore,
          countsAttempt: false,
          delayMs: this.deps.rateLimitedDelayMs,
          reason: outcome.code,
        });
      case "final":
        return recorder.failed(held, outcome.error, true);
      case "retry":
        return recorder.requeue(held, {
          error: outcome.error,
          mayExist: outcome.mayExist,
          countsAttempt: true,
          delayMs: this.backoff(attempts),
          reason: outcome.error.Code,
        });
    }
  }

  private backoff(attempt: number): number {
    return backoffMs(attempt, this.deps.retryBaseMs, this.deps.retryMaxMs);
  }
}
