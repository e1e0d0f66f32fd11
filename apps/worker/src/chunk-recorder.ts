import {
  type ChunkError,
  type ChunkRecord,
  type ChunkTransitions,
  chunkNeedsInvokerAction,
  encodeChunk,
  FINAL_CHUNK_STATUSES,
  finalStatusOf,
  type Stop,
} from "@tat-bulk/batches";
import type { ChunkJobData } from "@tat-bulk/chunk-queue";
import { TRACING_OFF, type Tracing } from "@tat-bulk/tracing";
import type { Logger } from "pino";
import { type ChunkOutcome, DONE, retryIn, type Saved } from "./chunk-step.js";
import type { WorkerMetrics } from "./worker-metrics.js";

/**
 * A write that lost its compare-and-set to an invoker action's job, which changed nothing but
 * invoker states: the write to make again, keeping those states. Undefined for any other writer:
 * the chunk is someone else's now. (A write that lost to itself, run twice after a reconnect, is
 * recognised by ChunkTransitions from its write ID.)
 */
export function afterConflict(
  before: ChunkRecord,
  next: ChunkRecord,
  stored: ChunkRecord,
): { from: ChunkRecord; to: ChunkRecord } | undefined {
  const states = new Map(stored.invokers.map((v) => [v.invokerId, v.state]));
  const sameBut = { ...before, version: stored.version, writeId: stored.writeId, invokers: stored.invokers };
  if (encodeChunk(sameBut) !== encodeChunk(stored)) return undefined;
  const invokers = next.invokers.map((v) => ({ ...v, state: states.get(v.invokerId) ?? v.state }));
  return { from: stored, to: { ...next, invokers } };
}

/** What a chunk write can set off beyond the chunk (open-batches.ts does them). */
export interface BatchEffects {
  /** End the queued chunks of a batch that stopped (MaxErrors passed in this write). */
  sweep(batchId: string): Promise<void>;
  /** Stop the batch on an error every chunk would meet. */
  stop(batchId: string, stop: Stop): Promise<void>;
  /** Queue the chunk's invokers for the batch's invoker action. */
  addInvokerJob(batchId: string, index: number, seq: number, version: number): Promise<void>;
}

/**
 * Every change the worker makes to a chunk, each one atomic step in Redis (ChunkTransitions), with
 * the metrics and logs that go with it. A write that loses to another writer (a version conflict)
 * changes nothing, and the job ends: the chunk's state is whatever the winner wrote.
 */
export class ChunkRecorder {
  constructor(
    private readonly transitions: ChunkTransitions,
    private readonly effects: BatchEffects,
    private readonly metrics: WorkerMetrics,
    private readonly logger: Logger,
    private readonly tracing: Tracing = TRACING_OFF,
  ) {}

  /**
   * Stores `to` in place of `from` (the chunk as this job last read or wrote it), then what the
   * write sets off: a MaxErrors stop ends the batch's queued chunks, and an invoker created while
   * the batch's invokers are being disabled or deleted gets a job of that action.
   */
  save(
    job: ChunkJobData,
    from: ChunkRecord,
    to: ChunkRecord,
    options: { abortIfStopping?: boolean; invokerJobs?: boolean } = {},
  ): Promise<Saved> {
    return this.tracing.span("chunk.record", { "tat_bulk.chunk.status": to.status }, async (span) => {
      const saved = await this.write(job, from, to, options);
      span.setAttributes({ "tat_bulk.record": saved.kind });
      return saved;
    });
  }

  private async write(
    job: ChunkJobData,
    before: ChunkRecord,
    next: ChunkRecord,
    options: { abortIfStopping?: boolean; invokerJobs?: boolean },
  ): Promise<Saved> {
    const { batchId, index } = job;
    let result = await this.transitions.write(batchId, index, before, next, options);
    if (result.kind === "conflict") {
      const stored = await this.transitions.read(batchId, index);
      const resolved = stored && afterConflict(before, next, stored);
      if (resolved)
        result = await this.transitions.write(batchId, index, resolved.from, resolved.to, options);
    }
    if (result.kind === "stopped") return { kind: "stopped" };
    if (result.kind !== "ok") {
      this.logger.warn({ ...job, result: result.kind }, "chunk changed under this job; leaving it");
      return { kind: "lost" };
    }
    this.count(before, result.record);
    if (result.stoppedNow) {
      this.logger.warn({ batchId }, "MaxErrors passed: the batch stops");
      await this.effects.sweep(batchId);
    }
    const action = result.invokerAction;
    if (action && options.invokerJobs !== false && chunkNeedsInvokerAction(result.record, action.target)) {
      await this.effects.addInvokerJob(batchId, index, action.seq, result.record.version);
    }
    if (result.finished) {
      const seconds = (Date.now() - result.finished.createdAtMs) / 1000;
      this.metrics.batchDuration.observe({ status: result.finished.status }, seconds);
      this.logger.info({ batchId, status: result.finished.status, seconds }, "batch finished");
    }
    return { kind: "saved", chunk: result.record };
  }

  /** Nothing left to send: the chunk's final status from its instances. */
  async finish(job: ChunkJobData, from: ChunkRecord, to: ChunkRecord): Promise<ChunkOutcome> {
    const { error, ...rest } = to;
    const status = finalStatusOf(to);
    // A chunk that ended well keeps no error from the retries on its way.
    const kept = status === "SUCCEEDED" || !error ? {} : { error };
    await this.save(job, from, { ...rest, ...kept, parts: [], status, doneAt: Date.now() });
    return DONE;
  }

  /** The chunk failed on an error every chunk of its batch would meet: the batch stops here. */
  async stopBatch(job: ChunkJobData, error: ChunkError): Promise<void> {
    this.logger.warn({ batchId: job.batchId, code: error.Code }, "a batch-wide error: the batch stops");
    await this.effects.stop(job.batchId, { kind: "error", code: error.Code, message: error.Message });
  }

  /** Back to the queue, to go again after `delayMs`. */
  async requeue(
    job: ChunkJobData,
    from: ChunkRecord,
    to: ChunkRecord,
    delayMs: number,
    reason: string,
  ): Promise<ChunkOutcome> {
    const saved = await this.save(job, from, { ...to, status: "QUEUED" });
    if (saved.kind !== "saved") return DONE;
    this.metrics.chunkRetries.inc({ reason });
    return retryIn(delayMs);
  }

  /** The instances this write settled, by outcome and code; and the chunk, when it became final. */
  private count(before: ChunkRecord, after: ChunkRecord): void {
    const created = after.invokers
      .slice(before.invokers.length)
      .reduce((n, v) => n + v.instanceIds.length, 0);
    if (created > 0) this.metrics.instancesFinished.inc({ status: "SUCCEEDED", code: "Success" }, created);
    for (const failed of after.failed.slice(before.failed.length)) {
      this.metrics.instancesFinished.inc({ status: "FAILED", code: failed.code });
    }
    const cancelled =
      (after.cancelled?.instanceIds.length ?? 0) - (before.cancelled?.instanceIds.length ?? 0);
    if (cancelled > 0 && after.cancelled) {
      this.metrics.instancesFinished.inc({ status: "CANCELLED", code: after.cancelled.code }, cancelled);
    }
    if (FINAL_CHUNK_STATUSES.has(after.status) && !FINAL_CHUNK_STATUSES.has(before.status)) {
      const code =
        after.status === "SUCCEEDED"
          ? "Success"
          : (after.error?.Code ?? after.failed[0]?.code ?? after.cancelled?.code ?? "");
      this.metrics.chunksFinished.inc({ status: after.status, code });
    }
  }
}
