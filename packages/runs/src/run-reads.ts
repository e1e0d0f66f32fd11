import type { RedisClient } from "@tat-bulk/redis";
import {
  TASK_GROUP_NAMES,
  TASK_GROUPS,
  TASK_STATUSES,
  type TaskGroup,
  type TaskStatus,
} from "@tat-bulk/tat-api";
import { type StoredGroup, showGroups } from "./failure-groups.js";
import { type RunKeys, runKeys } from "./run-keys.js";
import { metaOf } from "./run-records.js";
import type { FailureGroup, RunInstance, RunStatus, RunSummary, TaskDetail } from "./run-types.js";

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

function summaryOf(runId: string, hash: Record<string, string>): RunSummary | undefined {
  const meta = metaOf(hash);
  if (!meta) return undefined;
  const count = (field: string) => Number(hash[field] ?? 0);
  const taskStatuses: Partial<Record<TaskStatus, number>> = {};
  for (const status of TASK_STATUSES) {
    const n = count(`s:${status}`);
    if (n > 0) taskStatuses[status] = n;
  }
  return {
    RunId: runId,
    ScheduledAt: new Date(meta.scheduledAt).toISOString(),
    Source: meta.source,
    Status: meta.status,
    Instances: Object.fromEntries(TASK_GROUP_NAMES.map((g) => [g, count(`c:${g}`)])) as Record<
      TaskGroup,
      number
    >,
    TaskStatuses: taskStatuses,
    FirstStartedAt: iso(meta.firstStartedAt),
    LastFinishedAt: iso(meta.lastFinishedAt),
    RerunOf: meta.rerunOf ?? null,
    CreatedAt: new Date(meta.createdAt).toISOString(),
    FinishedAt: iso(meta.finishedAt),
  };
}

/** The statuses a filter names: one TaskStatus, or a group's. */
export function statusesOf(filter: string | undefined): readonly TaskStatus[] | undefined {
  if (filter === undefined) return TASK_STATUSES;
  if ((TASK_STATUSES as readonly string[]).includes(filter)) return [filter as TaskStatus];
  if (filter in TASK_GROUPS) return TASK_GROUPS[filter as TaskGroup];
  return undefined;
}

const EMPTY_DETAIL: TaskDetail = {
  ExitCode: null,
  Output: "",
  Dropped: 0,
  OutputUrl: null,
  ErrorInfo: null,
  StartTime: null,
  EndTime: null,
};

/** Runs as the API reads them. */
export class RunReads {
  readonly keys: RunKeys;

  constructor(
    private readonly redis: RedisClient,
    namespace: string,
  ) {
    this.keys = runKeys(namespace);
  }

  /** The batch's runs, newest first. */
  async list(batchId: string, offset: number, limit: number): Promise<{ total: number; runs: RunSummary[] }> {
    const index = this.keys.index(batchId);
    const [total, ids] = await Promise.all([
      this.redis.zcard(index),
      this.redis.zrevrange(index, offset, offset + limit - 1),
    ]);
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.keys.run(batchId, id));
    const hashes = (await pipeline.exec()) ?? [];
    const runs = ids.flatMap(
      (id, i) => summaryOf(id, (hashes[i]?.[1] ?? {}) as Record<string, string>) ?? [],
    );
    return { total, runs };
  }

  async get(
    batchId: string,
    runId: string,
  ): Promise<(RunSummary & { FailureGroups: FailureGroup[] }) | undefined> {
    const [hash, groups] = await Promise.all([
      this.redis.hgetall(this.keys.run(batchId, runId)),
      this.redis.hvals(this.keys.groups(batchId, runId)),
    ]);
    const summary = summaryOf(runId, hash);
    if (!summary) return undefined;
    return { ...summary, FailureGroups: showGroups(groups.map((g) => JSON.parse(g) as StoredGroup)) };
  }

  /** The batch's latest run, briefly (the batch status's LastRun). */
  async last(batchId: string, lastRunId: string | undefined) {
    if (!lastRunId) return null;
    const summary = summaryOf(lastRunId, await this.redis.hgetall(this.keys.run(batchId, lastRunId)));
    return summary ? { RunId: summary.RunId, Status: summary.Status, Instances: summary.Instances } : null;
  }

  /** Whether each instance is in the run: for a rerun's list. */
  async inRun(batchId: string, runId: string, instanceIds: readonly string[]): Promise<boolean[]> {
    if (instanceIds.length === 0) return [];
    const tasks = await this.redis.hmget(this.keys.tasks(batchId, runId), ...instanceIds);
    return tasks.map((t) => t !== null);
  }

  /** Instances in these statuses, at most `max`, in the run's order within each status. */
  async instanceIdsIn(batchId: string, runId: string, statuses: readonly TaskStatus[], max = 100_000) {
    const prefix = this.keys.statusPrefix(batchId, runId);
    const ids: string[] = [];
    for (const status of statuses) {
      if (ids.length >= max) break;
      ids.push(...(await this.redis.zrange(`${prefix}${status}`, 0, max - ids.length - 1)));
    }
    return ids;
  }

  /**
   * A page of the run's instances in the given statuses: status by status (in TASK_STATUSES'
   * order), each in the batch's order; each with its task and, where fetched, what TAT said of it.
   */
  async instances(
    batchId: string,
    runId: string,
    statuses: readonly TaskStatus[],
    offset: number,
    limit: number,
  ): Promise<{ total: number; items: RunInstance[] }> {
    const prefix = this.keys.statusPrefix(batchId, runId);
    const sizes = await Promise.all(statuses.map((s) => this.redis.zcard(`${prefix}${s}`)));
    const total = sizes.reduce((a, b) => a + b, 0);
    const ids: string[] = [];
    let skip = offset;
    for (const [i, status] of statuses.entries()) {
      const size = sizes[i] ?? 0;
      if (ids.length >= limit) break;
      if (skip >= size) {
        skip -= size;
        continue;
      }
      ids.push(...(await this.redis.zrange(`${prefix}${status}`, skip, skip + limit - ids.length - 1)));
      skip = 0;
    }
    if (ids.length === 0) return { total, items: [] };
    const [tasks, details] = await Promise.all([
      this.redis.hmget(this.keys.tasks(batchId, runId), ...ids),
      this.redis.hmget(this.keys.details(batchId, runId), ...ids),
    ]);
    const items = ids.map((instanceId, i): RunInstance => {
      const [status = "PENDING", invocationId = "", taskId = ""] = (tasks[i] ?? "").split("|");
      const raw = details[i];
      return {
        InstanceId: instanceId,
        TaskStatus: status as TaskStatus,
        InvocationId: invocationId || null,
        InvocationTaskId: taskId || null,
        ...(raw ? (JSON.parse(raw) as TaskDetail) : EMPTY_DETAIL),
      };
    });
    return { total, items };
  }

  /** Whether the run was made (retention waits for the run of a recent firing). */
  async exists(batchId: string, runId: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.run(batchId, runId))) === 1;
  }

  /** The run's status (for a rerun's guard). */
  async status(batchId: string, runId: string): Promise<RunStatus | undefined> {
    return metaOf(await this.redis.hgetall(this.keys.run(batchId, runId)))?.status;
  }
}
