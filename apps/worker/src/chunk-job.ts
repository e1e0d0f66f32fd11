import {
  type BatchCallFields,
  type ChunkRecord,
  FINAL_CHUNK_STATUSES,
  type StopOutcome,
  type WorkerBatchView,
  withPendingEnded,
} from "@tat-bulk/batches";
import type { ChunkJobData } from "@tat-bulk/chunk-queue";
import { BreakerClosedError, LimiterClosedError } from "@tat-bulk/rate-limit";
import { AGENT_CHECK_ACTION, DEFAULT_ACCOUNT, isInvokeTimeExpired, parseInvokeTime } from "@tat-bulk/tat-api";
import { traceIdOf } from "@tat-bulk/tracing";
import { checkPartAgents } from "./agent-check.js";
import {
  afterLostCall,
  allFailed,
  checked,
  created,
  failed,
  settled,
  withFailure,
  withFirstPart,
} from "./chunk-parts.js";
import { type ChunkOutcome, DONE, nextStep, onward, retryIn, type Step } from "./chunk-step.js";
import type { ChunkJobDeps, ChunkWork } from "./chunk-work.js";
import { failureVerdicts } from "./failure-verdicts.js";
import { JobStalledError, type JobWatch } from "./job-watch.js";
import { PartLookUp } from "./part-look-up.js";
import { PartSender } from "./part-sender.js";
import { retryDelayMs } from "./retry-policy.js";

export type { ChunkOutcome } from "./chunk-step.js";
export type { ChunkJobDeps, ChunkWork } from "./chunk-work.js";

const STAGING_RECHECK_MS = 500;

/**
 * A batch still STAGING this long after its write began lost its writer (the intake died, or Redis
 * did mid-write): its jobs are dropped, and its records expire by themselves. A whole batch takes
 * well under a second to write.
 */
const STAGING_ORPHAN_MS = 60_000;

/**
 * One chunk job, start to end. It loads the batch and the chunk (skipping what is final, waiting for
 * a batch still being written), settles a cancelled batch's chunk, then works through the chunk's
 * parts one step at a time, each step stored before the next:
 *   1. look up: an earlier call may have created the part's invoker; adopt it instead of another
 *      (part-look-up.ts);
 *   2. check expiry: a ONCE whose InvokeTime passed while it waited fails without a call;
 *   3. check agents: offline and unreported instances are set aside before the call;
 *   4. send CreateInvoker under the shared rate limit, classify the answer and record it
 *      (part-sender.ts: a per-instance failure re-checks or splits the part).
 */
export class ChunkJob {
  private readonly sender: PartSender;
  private readonly lookUp: PartLookUp;

  constructor(private readonly deps: ChunkJobDeps) {
    this.sender = new PartSender(deps, (attempt) => this.backoff(attempt));
    this.lookUp = new PartLookUp(deps, (attempt) => this.backoff(attempt));
  }

  /** `watch`: the job's progress deadline; its TAT calls wait no longer than it allows. */
  async process(job: ChunkJobData, watch?: JobWatch): Promise<ChunkOutcome> {
    try {
      return await this.run(job, watch);
    } catch (error) {
      // Shutting down, or stalled, while waiting for a slot or for TAT: nothing was sent; the job goes back.
      if (
        error instanceof LimiterClosedError ||
        error instanceof BreakerClosedError ||
        error instanceof JobStalledError
      ) {
        return retryIn(0);
      }
      throw error;
    }
  }

  private async run(job: ChunkJobData, watch: JobWatch | undefined): Promise<ChunkOutcome> {
    const { reads } = this.deps;
    const batch = await reads.forWorker(job.batchId);
    // Rolled back or expired before commit: the job is an orphan.
    if (!batch) return DONE;
    if (batch.status === "STAGING") {
      if (Date.now() - batch.createdAtMs > STAGING_ORPHAN_MS) return DONE;
      return retryIn(STAGING_RECHECK_MS);
    }
    const record = await reads.chunk(job.batchId, job.index);
    if (!record || FINAL_CHUNK_STATUSES.has(record.status)) return DONE;
    const { tracing } = this.deps;
    // In the batch's trace: under BullMQ's consumer span when the job carries the pick's context,
    // else (a job from before tracing, or repaired) under the batch's root.
    const inTrace = tracing.ids()?.trace_id === traceIdOf(batch.trace);
    return tracing.span(
      "chunk",
      {
        "tat_bulk.batch_id": job.batchId,
        "tat_bulk.chunk.index": job.index,
        "tat_bulk.chunk.status": record.status,
      },
      async (span) => {
        const outcome = await this.work(batch, job, record, watch);
        span.setAttributes({ "tat_bulk.outcome": outcome.kind });
        return outcome;
      },
      inTrace || !batch.trace ? {} : { parent: batch.trace },
    );
  }

  private async work(
    batch: WorkerBatchView,
    job: ChunkJobData,
    record: ChunkRecord,
    watch: JobWatch | undefined,
  ): Promise<ChunkOutcome> {
    const request = { ...batch.request, Region: batch.request.Region || this.deps.defaultRegion };
    const budget = this.deps.router.for(request.Account, request.Region);
    if (!budget) return this.unknownAccount(job, record, request.Account);
    const work: ChunkWork = { job, request, tat: watch ? budget.watched(watch) : budget };
    let chunk = record;
    if (record.status === "RUNNING") {
      const sentAt = record.parts.find((part) => part.mayExist)?.sentAt ?? 0;
      const inFlightMs = this.deps.callWindowMs - (Date.now() - sentAt);
      if (inFlightMs > 0) return retryIn(inFlightMs);
      const saved = await this.deps.recorder.save(job, record, afterLostCall(record));
      if (saved.kind !== "saved") return DONE;
      chunk = saved.chunk;
    }
    if (batch.stop) return this.stopped(work, chunk, batch.stop);
    for (;;) {
      const step = await this.step(work, chunk);
      if (step.kind !== "next") return step;
      chunk = step.chunk;
      watch?.touch();
    }
  }

  /**
   * The batch was cancelled or stopped: parts whose invoker may exist are looked up, and the rest
   * ends as the stop says (cancelled, or failed with the error that stopped the batch).
   */
  private async stopped(work: ChunkWork, stored: ChunkRecord, outcome: StopOutcome): Promise<ChunkOutcome> {
    let chunk = stored;
    const kept = [];
    for (const part of chunk.parts) {
      const found = part.mayExist ? await this.lookUp.find(work, part) : undefined;
      if (found?.kind === "found") {
        this.deps.metrics.invokersAdopted.inc();
        chunk = created(withFirstPart(chunk, part), found.invokerId, found.instanceIds);
      } else kept.push(part);
    }
    await this.deps.recorder.save(work.job, stored, withPendingEnded({ ...chunk, parts: kept }, outcome));
    return DONE;
  }

  /** A batch names an account these workers do not have (the intake checks what they publish): it stops. */
  private async unknownAccount(
    job: ChunkJobData,
    chunk: ChunkRecord,
    account: string | undefined,
  ): Promise<ChunkOutcome> {
    const error = {
      Code: "InvalidParameterValue.Account",
      Message: `Account ${account ?? DEFAULT_ACCOUNT} is not configured on the workers`,
    };
    // Stopped first, so that the batch ends with its StopReason however its chunks race.
    await this.deps.recorder.stopBatch(job, error);
    return this.deps.recorder.finish(job, chunk, allFailed(chunk, error));
  }

  private async step(work: ChunkWork, chunk: ChunkRecord): Promise<Step> {
    const { recorder } = this.deps;
    const { job } = work;
    const part = chunk.parts[0];
    if (!part) return recorder.finish(job, chunk, chunk);
    if (part.pendingFailures?.length) {
      const verdicts = await failureVerdicts(work.tat, part.pendingFailures);
      if (verdicts.some((v) => v !== "undecided")) {
        return onward(await recorder.save(job, chunk, settled(chunk, verdicts)));
      }
    }
    // Out of attempts (counted failures only): a part whose invoker may exist has had one more
    // look, which failed too.
    const { maxAttempts } = this.deps.retry;
    if (part.attempts > maxAttempts || (part.attempts >= maxAttempts && !part.mayExist)) {
      // Some of them may yet be given back (a circuit has not opened yet, nor TAT answered): wait.
      if (part.pendingFailures?.length) {
        return recorder.requeue(job, chunk, chunk, this.deps.rateLimitedDelayMs, "Undecided");
      }
      const error = chunk.error ?? { Code: "InternalError", Message: "No attempts left" };
      return onward(await recorder.save(job, chunk, failed(chunk, error, part.mayExist)));
    }
    if (part.mayExist) return this.lookUp.lookFirst(work, chunk);
    if (this.expired(work.request)) {
      const error = {
        Code: "InvalidParameterValue.InvokeTimeExpired",
        Message: `InvokeTime ${work.request.ScheduleSettings.InvokeTime} passed while the chunk waited`,
      };
      return recorder.finish(job, chunk, allFailed(chunk, error));
    }
    if (this.deps.preflight && !part.checked) return this.check(work, chunk);
    const sent = await this.sender.send(work, chunk);
    if (sent.kind !== "stopped") return sent;
    const stop = (await this.deps.reads.forWorker(job.batchId))?.stop;
    return stop ? this.stopped(work, chunk, stop) : DONE;
  }

  /** Step 2. */
  private expired(request: BatchCallFields): boolean {
    const { Policy, InvokeTime } = request.ScheduleSettings;
    const invokeTime = Policy === "ONCE" && InvokeTime ? parseInvokeTime(InvokeTime) : undefined;
    return invokeTime !== undefined && isInvokeTimeExpired(invokeTime, new Date());
  }

  /** Step 3. */
  private async check(work: ChunkWork, chunk: ChunkRecord): Promise<Step> {
    const { recorder, metrics } = this.deps;
    const { job } = work;
    const part = chunk.parts[0];
    if (!part) return nextStep(chunk);
    const result = await checkPartAgents(work.tat, metrics, work.request.Region, part.instanceIds);
    let next = chunk;
    if (result.kind === "checked") next = checked(chunk, result.online, result.setAside, "checked");
    else if (result.kind === "unavailable" || part.attempts + 1 >= this.deps.retry.maxAttempts) {
      // Without the check the part still goes: a per-instance failure is then isolated by splitting.
      next = withFirstPart(chunk, { ...part, checked: true });
    } else {
      if (result.rateLimited) await work.tat.penalize(AGENT_CHECK_ACTION);
      if (result.rateLimited || result.outage) {
        return recorder.requeue(job, chunk, chunk, this.deps.rateLimitedDelayMs, result.code);
      }
      const retried = withFailure(chunk, AGENT_CHECK_ACTION, result.at);
      return recorder.requeue(job, chunk, retried, this.backoff(part.attempts + 1), result.code);
    }
    return onward(await recorder.save(job, chunk, next));
  }

  private backoff(attempt: number): number {
    return retryDelayMs(this.deps.retry, attempt);
  }
}
