import { BATCH_FIELD, type BatchCallFields, type RedisKeys } from "@tat-bulk/batches";
import { chunkJob, type JobSink } from "@tat-bulk/chunk-queue";
import type { RedisClient } from "@tat-bulk/redis";
import { type ChunkScheduler, isLane, type LeaseHandle, leaseOf } from "@tat-bulk/scheduler";
import { DEFAULT_ACCOUNT } from "@tat-bulk/tat-api";
import { jobTelemetry, type Tracing } from "@tat-bulk/tracing";
import type { Logger } from "pino";
import type { BatchTraces } from "./batch-traces.js";
import { beforeDeadline } from "./job-watch.js";
import type { TatRouter } from "./tat-access.js";

export interface DispatcherDeps {
  redis: RedisClient;
  keys: RedisKeys;
  scheduler: ChunkScheduler;
  jobs: JobSink;
  router: Pick<TatRouter, "route" | "accountRates">;
  /** A batch just enrolled: follow its runs from its first scheduled time. */
  follow(batchId: string, schedule: BatchCallFields["ScheduleSettings"]): Promise<void>;
  /** Batches whose runs want a follower now (a rerun). */
  followWoken(): Promise<void>;
  /** Chunks in flight per budget: its CreateInvoker rate times this (at least 2). */
  depthSeconds: number;
  /** A LOW batch waiting this long moves to NORMAL. */
  lowAgingMs: number;
  /** HIGH's share of a budget while NORMAL has work too. */
  highShare: number;
  /** How often it looks without being nudged. */
  tickMs: number;
  logger: Logger;
  /** Each pick is a span of its batch's trace, and its job's consumer span continues it. */
  tracing: Tracing;
  traces: BatchTraces;
}

/** A lease not renewed for this long stops counting: its job is lost, or in a long backoff. */
const STALE_LEASE_MS = 30_000;
/**
 * A pass that has not ended by then (a Redis answer lost to a restart) is left behind and the next
 * one may start: a pick is one atomic script and adding a job is idempotent, so two passes at once
 * are safe; a dispatcher that waits forever is not.
 */
const PASS_DEADLINE_MS = 30_000;

/**
 * Each worker runs one: it enrolls newly written batches in their budget's lanes and leases each
 * budget's next chunks to the queue whenever that budget has room (a job ended, or a tick), and it
 * runs each chunk job under its lease (`leased`). The choice itself is the scheduler's (one Lua
 * script, @tat-bulk/scheduler), so any number of workers may dispatch.
 */
export class Dispatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;
  /** The accounts' CreateInvoker rates: what each budget's depth is made from. */
  private readonly rates: ReadonlyMap<string, number>;

  constructor(private readonly deps: DispatcherDeps) {
    this.rates = deps.router.accountRates();
  }

  start(): void {
    this.timer = setInterval(() => this.nudge(), this.deps.tickMs);
    this.nudge();
  }

  /** Dispatches now (coalesced: a nudge during a pass runs one more pass). */
  nudge(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = beforeDeadline(this.pass(), PASS_DEADLINE_MS)
      .then((outcome) => {
        if (outcome === "late")
          this.deps.logger.error({ deadlineMs: PASS_DEADLINE_MS }, "dispatch pass stuck; left behind");
      })
      .catch((error: unknown) =>
        this.deps.logger.warn({ err: error instanceof Error ? error.message : error }, "dispatch failed"),
      )
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.nudge();
        }
      });
  }

  private async pass(): Promise<void> {
    await this.enrollInbox();
    await this.deps.followWoken();
    const { scheduler, jobs, depthSeconds, lowAgingMs, highShare } = this.deps;
    for (const [budget, rate] of await scheduler.budgets()) {
      const depth = Math.max(2, Math.ceil(rate * depthSeconds));
      const leases = await scheduler.lease(budget, {
        depth,
        agingMs: lowAgingMs,
        staleMs: STALE_LEASE_MS,
        highShare,
      });
      if (leases.length === 0) continue;
      const traces = await this.pickTraces(budget, leases);
      await jobs.add(
        leases.map((l, i) => chunkJob(l.batchId, l.index, l.round, { budget, slot: l.slot }, traces[i])),
      );
    }
  }

  /**
   * Runs a chunk job under its lease (the job's data carries it): renewed as the job starts,
   * released when it ends, and then the budget's next chunk dispatched. A job that goes back to the
   * queue (`retry`) keeps its lease: it still holds its place in the budget.
   */
  async leased<T extends { kind: string }>(data: Partial<LeaseHandle>, run: () => Promise<T>): Promise<T> {
    const lease = leaseOf(data);
    if (lease) await this.deps.scheduler.renew(lease);
    const outcome = await run();
    if (outcome.kind !== "retry") {
      if (lease) await this.deps.scheduler.release(lease);
      this.nudge();
    }
    return outcome;
  }

  /** With tracing on: each pick marked in its batch's trace, and the context its job carries. */
  private async pickTraces(
    budget: string,
    picks: ReadonlyArray<{ batchId: string; index: number; round: number }>,
  ): Promise<Array<{ metadata: string } | undefined>> {
    const { tracing } = this.deps;
    if (!tracing.enabled) return [];
    const traces = await this.deps.traces.of(picks.map((p) => p.batchId));
    return picks.map((p) => {
      const parent = traces.get(p.batchId);
      if (!parent) return undefined;
      const attributes = {
        "tat_bulk.batch_id": p.batchId,
        "tat_bulk.chunk.index": p.index,
        "tat_bulk.chunk.round": p.round,
        "tat_bulk.budget": budget,
      };
      return jobTelemetry(tracing.mark("schedule.pick", attributes, parent));
    });
  }

  private async enrollInbox(): Promise<void> {
    const { redis, keys, scheduler, router } = this.deps;
    for (const batchId of await scheduler.inbox()) {
      const [caller, weight, request] = await redis.hmget(
        keys.batch(batchId),
        BATCH_FIELD.caller,
        BATCH_FIELD.weight,
        BATCH_FIELD.request,
      );
      if (!request) {
        // Rolled back, or expired: nothing to schedule.
        await redis.lrem(keys.schedInbox, 1, batchId);
        continue;
      }
      const fields = JSON.parse(request) as Partial<BatchCallFields>;
      const account = fields.Account ?? DEFAULT_ACCOUNT;
      const route = router.route(account, fields.Region ?? "");
      const enrolled = await scheduler.enroll({
        batchId,
        // An account these workers lack still gets a lane: its first chunk stops the batch.
        budget: route?.budget ?? `unknown|${account}`,
        lane: isLane(fields.Priority) ? fields.Priority : "NORMAL",
        caller: caller ?? "",
        weight: Number(weight) > 0 ? Number(weight) : 1,
        rate: this.rates.get(account) ?? 1,
      });
      // A retry enrolls the batch again: its runs are already followed.
      if (enrolled && fields.ScheduleSettings) await this.deps.follow(batchId, fields.ScheduleSettings);
    }
  }

  /** Stops dispatching (after the pass under way). Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
