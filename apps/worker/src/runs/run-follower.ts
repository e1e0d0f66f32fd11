import type { BatchCallFields, BatchReads } from "@tat-bulk/batches";
import type { RedisClient } from "@tat-bulk/redis";
import { FollowState, RunDetails, type RunMeta, RunStore, type TaskUpdate } from "@tat-bulk/runs";
import {
  FINAL_INVOCATION_STATUSES,
  firingTimes,
  isTaskStatus,
  nextFiring,
  TASK_GROUPS,
  type TaskStatus,
} from "@tat-bulk/tat-api";
import type { Logger } from "pino";
import type { JobWatch } from "../job-watch.js";
import type { RateLimitedTat } from "../rate-limited-tat.js";
import type { TatRouter } from "../tat-access.js";
import type { WorkerMetrics } from "../worker-metrics.js";
import { invokersAt } from "./fired-invokers.js";
import { RerunSender } from "./rerun-sender.js";
import { invocations, invokerRecords, isFailure, taskDetails } from "./run-calls.js";

export interface RunSettings {
  /** The first poll interval while a run goes on; it doubles while nothing changes, up to the max. */
  pollMs: number;
  pollMaxMs: number;
  /** An invoker that has not fired this long after its time leaves its instances NOT_FIRED. */
  fireGraceMs: number;
  /** Fetch every task's output (all), or only the failed ones' (failed). */
  outputs: "failed" | "all";
  /** How long a call may be in flight (a rerun part sent this recently is not looked up yet). */
  callWindowMs: number;
}

export interface RunFollowerDeps {
  redis: RedisClient;
  namespace: string;
  reads: Pick<BatchReads, "forWorker" | "allChunks" | "invokerAction">;
  router: Pick<TatRouter, "for">;
  metrics: WorkerMetrics;
  logger: Logger;
  settings: RunSettings;
  defaultRegion: string;
}

/** When to follow the batch again (epoch ms), or done: nothing of it is left to follow. */
export type RoundResult = { nextAtMs: number } | "done";

/** DescribeInvocationTasks calls one round makes at most (the rest the next round). */
const MAX_DETAIL_CALLS = 20;
/** After a scheduled time, how long until the first look for its records. */
export const FIRST_LOOK_MS = 2000;
/** A batch a worker stopped hearing about this long ago no longer counts as followed by it. */
const FOLLOWED_FOR_MS = 120_000;

const chunksOf = <T>(items: readonly T[], size: number) =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, i * size + size));
const NOT_SUCCESS: ReadonlySet<string> = new Set([...TASK_GROUPS.Failed, ...TASK_GROUPS.Cancelled]);

/**
 * Follows a batch's runs, one round at a time (a job of the runs queue): makes the run of each
 * scheduled time that has come, finds each invoker's firing in its records, follows the
 * invocations until every task is final, fetches what TAT says of the tasks that did not succeed,
 * and ends each run. Each action draws on its own budget, under the same limiter and circuit
 * breakers as CreateInvoker. It polls only where something can change, backing off while nothing
 * does, and stops following a batch whose invokers are disabled or deleted, or whose ONCE run ended.
 */
export class RunFollower {
  private readonly store: RunStore;
  private readonly followState: FollowState;
  private readonly details: RunDetails;
  private readonly sender: RerunSender;
  /** Open runs per batch this worker followed lately (the tat_bulk_runs_followed gauge). */
  private readonly followed = new Map<string, { open: number; at: number }>();

  constructor(private readonly deps: RunFollowerDeps) {
    this.store = new RunStore(deps.redis, deps.namespace);
    this.followState = new FollowState(deps.redis, deps.namespace);
    this.details = new RunDetails(deps.redis, deps.namespace);
    this.sender = new RerunSender(this.store, this.details, deps.settings.callWindowMs, deps.logger);
  }

  async round(batchId: string, watch?: JobWatch): Promise<RoundResult> {
    const { reads, router, settings } = this.deps;
    const batch = await reads.forWorker(batchId);
    if (!batch) return "done";
    const request: BatchCallFields = {
      ...batch.request,
      Region: batch.request.Region || this.deps.defaultRegion,
    };
    const budget = router.for(request.Account, request.Region);
    if (!budget) return "done";
    const tat = watch ? budget.watched(watch) : budget;
    const schedule = request.ScheduleSettings;
    const state = await this.followState.get(batchId);
    const now = Date.now();
    const action = await reads.invokerAction(batchId);
    const stopped =
      batch.stop?.as === "cancelled" || action?.target === "DISABLED" || action?.target === "DELETED";
    let changed = false;
    let handledUntil = state.handledUntil ?? batch.createdAtMs;
    const due = stopped ? [] : firingTimes(schedule, handledUntil, now);
    const latest = due.at(-1);
    let waiting = false;
    if (latest !== undefined) {
      // Times missed while nobody followed are not run after the fact: the latest one is.
      const invokers = invokersAt(await reads.allChunks(batchId), latest, schedule.Policy === "ONCE");
      // Asked again soon: the calls in flight end within a call timeout, or are looked up.
      waiting = invokers === "wait";
      if (invokers !== "wait") {
        if (invokers.length) changed = (await this.store.createScheduled(batchId, latest, invokers)).created;
        handledUntil = latest;
      }
    }
    for (const runId of await this.store.openRuns(batchId)) {
      const meta = await this.store.meta(batchId, runId);
      if (meta) changed = (await this.followRun(tat, batchId, runId, meta, request)) || changed;
    }
    const quiet = changed ? 0 : state.quiet + 1;
    await this.followState.set(batchId, { handledUntil, quiet });
    const open = (await this.store.openRuns(batchId)).length;
    this.followed.set(batchId, { open, at: Date.now() });
    // Waiting for calls in flight polls as a quiet run does: backing off to RUN_POLL_MAX_MS.
    if (open || waiting) {
      return {
        nextAtMs: Date.now() + Math.min(settings.pollMaxMs, settings.pollMs * 2 ** Math.min(quiet, 10)),
      };
    }
    const next = stopped ? undefined : nextFiring(schedule, handledUntil);
    return next === undefined ? "done" : { nextAtMs: next + FIRST_LOOK_MS };
  }

  /** One round of one run; answers whether anything changed. */
  private async followRun(
    tat: RateLimitedTat,
    batchId: string,
    runId: string,
    meta: RunMeta,
    request: BatchCallFields,
  ): Promise<boolean> {
    let changed = false;
    if (meta.source === "RERUN") {
      const sent = await this.sender.send(tat, batchId, runId, request);
      if (sent === "paused") return false;
      changed = sent;
    } else {
      const fired = await this.findFirings(tat, batchId, runId, meta, request);
      if (fired === "paused") return false;
      changed = fired;
    }
    const followed = await this.followInvocations(tat, batchId, runId, request.Region);
    if (followed === "paused") return changed;
    const fetched = await this.fetchDetails(tat, batchId, runId, request.Region);
    const status = await this.store.finish(batchId, runId);
    if (status) {
      this.deps.metrics.runsFinished.inc({ status });
      this.deps.logger.info({ batchId, runId, status }, "run finished");
    }
    return changed || followed || fetched || status !== undefined;
  }

  /** Each awaited invoker's record of the run's time; past the grace period, NOT_FIRED. */
  private async findFirings(
    tat: RateLimitedTat,
    batchId: string,
    runId: string,
    meta: RunMeta,
    request: BatchCallFields,
  ): Promise<boolean | "paused"> {
    const awaiting = await this.store.awaiting(batchId, runId);
    const now = Date.now();
    if (awaiting.length === 0 || now < meta.scheduledAt) return false;
    const schedule = request.ScheduleSettings;
    // A record belongs to the run whose time it is nearest; a ONCE invoker has only one.
    const period =
      schedule.Policy === "ONCE"
        ? Number.POSITIVE_INFINITY
        : (nextFiring(schedule, meta.scheduledAt) ?? Infinity) - meta.scheduledAt;
    const tolerance = Math.min(60_000, period / 2);
    let changed = false;
    for (const ids of chunksOf(awaiting, 100)) {
      const records = await invokerRecords(tat, request.Region, ids, meta.scheduledAt - tolerance);
      if (isFailure(records)) return "paused";
      const found = new Map<string, { invocationId: string; off: number }>();
      for (const record of records) {
        const off = Math.abs(Date.parse(record.InvokeTime) - meta.scheduledAt);
        const best = found.get(record.InvokerId);
        if (off <= tolerance && (!best || off < best.off))
          found.set(record.InvokerId, { invocationId: record.InvocationId, off });
      }
      const fired = [...found].map(([invokerId, f]) => ({ invokerId, invocationId: f.invocationId }));
      await this.store.fired(batchId, runId, fired);
      changed = changed || fired.length > 0;
    }
    if (Date.now() > meta.scheduledAt + this.deps.settings.fireGraceMs) {
      const silent = await this.store.awaiting(batchId, runId);
      const reached = await this.store.notFired(batchId, runId, silent);
      this.count(reached);
      if (silent.length)
        this.deps.logger.warn(
          { batchId, runId, invokers: silent.length },
          "invokers did not fire in time: NOT_FIRED",
        );
      changed = changed || silent.length > 0;
    }
    return changed;
  }

  /** The running invocations' tasks; an invocation that ended has its failed tasks' details due. */
  private async followInvocations(tat: RateLimitedTat, batchId: string, runId: string, region: string) {
    let changed = false;
    const outputsAll = this.deps.settings.outputs === "all";
    for (const ids of chunksOf(await this.store.running(batchId, runId), 100)) {
      const answer = await invocations(tat, region, ids);
      if (isFailure(answer)) return "paused" as const;
      const updates: TaskUpdate[] = [];
      const ended: Parameters<RunStore["invocationsEnded"]>[2][number][] = [];
      for (const invocation of answer.InvocationSet) {
        const tasks = invocation.InvocationTaskBasicInfoSet.filter((t) => isTaskStatus(t.TaskStatus));
        for (const t of tasks) {
          updates.push({
            instanceId: t.InstanceId,
            status: t.TaskStatus as TaskStatus,
            invocationId: invocation.InvocationId,
            taskId: t.InvocationTaskId,
          });
        }
        if (!(FINAL_INVOCATION_STATUSES as readonly string[]).includes(invocation.InvocationStatus)) continue;
        const endMs = invocation.EndTime ? Date.parse(invocation.EndTime) : undefined;
        ended.push({
          invocationId: invocation.InvocationId,
          detailsDue: tasks
            .filter((t) => outputsAll || NOT_SUCCESS.has(t.TaskStatus))
            .map((t) => ({ taskId: t.InvocationTaskId, instanceId: t.InstanceId })),
          ...(invocation.StartTime ? { startMs: Date.parse(invocation.StartTime) } : {}),
          ...(endMs !== undefined ? { endMs } : {}),
        });
        if (endMs !== undefined)
          this.deps.metrics.runResultsLag.observe(Math.max(0, Date.now() - endMs) / 1000);
      }
      const reached = await this.store.applyTasks(batchId, runId, updates);
      this.count(reached);
      // Ended only once its tasks are stored: a crash between the two reads them again.
      await this.store.invocationsEnded(batchId, runId, ended);
      changed = changed || reached.size > 0 || ended.length > 0;
    }
    return changed;
  }

  /** What TAT says of the tasks that did not succeed: exit code, output, error. */
  private async fetchDetails(tat: RateLimitedTat, batchId: string, runId: string, region: string) {
    let changed = false;
    for (let calls = 0; calls < MAX_DETAIL_CALLS; calls++) {
      const due = await this.details.due(batchId, runId, 100);
      if (due.length === 0) break;
      const answer = await taskDetails(
        tat,
        region,
        due.map((d) => d.taskId),
      );
      if (isFailure(answer)) break;
      const got = new Set(answer.map((a) => a.taskId));
      // A task TAT does not return is stored without details rather than asked for forever.
      const missing = due.filter((d) => !got.has(d.taskId));
      await this.details.store(batchId, runId, [
        ...answer,
        ...missing.map((d) => ({
          ...d,
          status: "PENDING" as const,
          detail: {
            ExitCode: null,
            Output: "",
            Dropped: 0,
            OutputUrl: null,
            ErrorInfo: "TAT returned no result for this task",
            StartTime: null,
            EndTime: null,
          },
        })),
      ]);
      changed = true;
    }
    return changed;
  }

  /** Runs this worker follows now (their batches' last rounds were here, lately). */
  followedNow(): number {
    let n = 0;
    for (const [batchId, { open, at }] of this.followed) {
      if (Date.now() - at > FOLLOWED_FOR_MS) this.followed.delete(batchId);
      else n += open;
    }
    return n;
  }

  private count(reached: ReadonlyMap<TaskStatus, number>): void {
    for (const [status, n] of reached) this.deps.metrics.runTasks.inc({ status }, n);
  }
}
