import type { ChunkError, ChunkJobData, ChunkRecord, ChunkTransitions } from "@tat-bulk/batches";
import type { Logger } from "pino";
import type { WorkerMetrics } from "./worker-metrics.js";

/** A chunk job as the worker holds it: where it is, and its record as last read or written. */
export interface HeldChunk {
  job: ChunkJobData;
  record: ChunkRecord;
}

/** Put the chunk back in the queue: what changed, and when it goes again. */
export interface Requeue {
  /** The error that made it go again (kept for the record when attempts run out later). */
  error?: ChunkError;
  /** Whether the next worker must look for an invoker before creating one. */
  mayExist: boolean;
  /** Whether the call this follows counts against the attempt limit. */
  countsAttempt: boolean;
  delayMs: number;
  /** The metric label: the code or class that caused it. */
  reason: string;
}

export type ChunkOutcome = { kind: "done" } | { kind: "retry"; delayMs: number };
export const DONE: ChunkOutcome = { kind: "done" };

/**
 * Every change the worker makes to a chunk, each one atomic step in Redis (ChunkTransitions), with
 * the metrics and logs that go with it. A write that loses to another writer (a version conflict)
 * changes nothing; the job ends and the chunk's state is whatever the winner wrote.
 */
export class ChunkRecorder {
  constructor(
    private readonly transitions: ChunkTransitions,
    private readonly metrics: WorkerMetrics,
    private readonly logger: Logger,
  ) {}

  /** Right before a call leaves: RUNNING, "look first", unless the batch's cancel was asked. */
  async sending(held: HeldChunk): Promise<"ok" | "cancelled" | "lost"> {
    const next: ChunkRecord = {
      ...held.record,
      status: "RUNNING",
      mayExist: true,
      firstSentAt: held.record.firstSentAt ?? Date.now(),
    };
    const result = await this.write(held, next, true);
    return result === "ok" ? "ok" : result === "cancelled" ? "cancelled" : "lost";
  }

  async succeeded(held: HeldChunk, invokerId: string, how: { adopted: boolean; callCounts: boolean }) {
    if (how.adopted) {
      this.metrics.invokersAdopted.inc();
      this.logger.info({ batchId: held.job.batchId, chunk: held.job.index, invokerId }, "adopted");
    }
    const { error: _e, ...rest } = held.record;
    const next: ChunkRecord = {
      ...rest,
      status: "SUCCEEDED",
      attempts: rest.attempts + (how.callCounts ? 1 : 0),
      invokerId,
      mayExist: false,
      doneAt: Date.now(),
    };
    await this.finish(held, next, "Success");
  }

  async failed(held: HeldChunk, error: ChunkError, callCounts: boolean): Promise<ChunkOutcome> {
    const next: ChunkRecord = {
      ...held.record,
      status: "FAILED",
      attempts: held.record.attempts + (callCounts ? 1 : 0),
      error,
      mayExist: false,
    };
    await this.finish(held, next, error.Code);
    return DONE;
  }

  async cancelled(held: HeldChunk): Promise<ChunkOutcome> {
    const { error: _e, ...rest } = held.record;
    await this.finish(held, { ...rest, status: "CANCELLED", mayExist: false }, "Cancelled");
    return DONE;
  }

  async requeue(held: HeldChunk, requeue: Requeue): Promise<ChunkOutcome> {
    const { error: _e, ...rest } = held.record;
    await this.write(held, {
      ...rest,
      status: "QUEUED",
      attempts: rest.attempts + (requeue.countsAttempt ? 1 : 0),
      mayExist: requeue.mayExist,
      ...(requeue.error ? { error: requeue.error } : {}),
    });
    this.metrics.chunkRetries.inc({ reason: requeue.reason });
    return { kind: "retry", delayMs: requeue.delayMs };
  }

  /** A final status, counted by `code` (Success, Cancelled, or the error's code). */
  private async finish(held: HeldChunk, next: ChunkRecord, code: string): Promise<void> {
    const result = await this.transitions.write(held.job.batchId, held.job.index, held.record, next);
    if (result.kind !== "ok") return;
    held.record = result.record;
    this.metrics.chunksFinished.inc({ status: next.status, code });
    if (result.finished) {
      const seconds = (Date.now() - result.finished.createdAtMs) / 1000;
      this.metrics.batchDuration.observe({ status: result.finished.status }, seconds);
      this.logger.info(
        { batchId: held.job.batchId, status: result.finished.status, seconds },
        "batch finished",
      );
    }
  }

  private async write(held: HeldChunk, next: ChunkRecord, abortIfCancelled = false) {
    const result = await this.transitions.write(held.job.batchId, held.job.index, held.record, next, {
      abortIfCancelled,
    });
    if (result.kind === "ok") held.record = result.record;
    return result.kind;
  }
}
