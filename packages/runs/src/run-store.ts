import { BATCH_FIELD, redisKeys, unstampExpiry } from "@tat-bulk/batches";
import { asStrings, LuaScript, type RedisClient } from "@tat-bulk/redis";
import {
  FINAL_TASK_STATUSES,
  instanceTypeOf,
  NOT_FIRED,
  runIdOf,
  TASK_STATUSES,
  type TaskStatus,
  taskGroupOf,
} from "@tat-bulk/tat-api";
import { type RunKeys, runKeys } from "./run-keys.js";
import { metaOf, RERUN_PART_SIZE, type RerunPart, type RunMeta } from "./run-records.js";
import type { RunStatus, TaskUpdate } from "./run-types.js";

const lua = (name: string) => new URL(`../lua/${name}`, import.meta.url);

const APPLY_TASKS = LuaScript.fromFile(lua("run-tasks.lua"), 2, (reply) => {
  const flat = asStrings("run-tasks", (reply as unknown[]).map(String));
  const reached = new Map<TaskStatus, number>();
  for (let i = 0; i + 1 < flat.length; i += 2) reached.set(flat[i] as TaskStatus, Number(flat[i + 1]));
  return reached;
});
const FINISH = LuaScript.fromFile(lua("run-finish.lua"), 5, (reply) =>
  typeof reply === "string" ? reply : "",
);

const GROUPS_JSON = JSON.stringify(Object.fromEntries(TASK_STATUSES.map((s) => [s, taskGroupOf(s)])));
const FINALS_JSON = JSON.stringify(
  Object.fromEntries([...FINAL_TASK_STATUSES, NOT_FIRED].map((s) => [s, true])),
);
/** Entries per command while a run of 100,000 instances is written. */
const SLICE = 1000;
/**
 * Writes runs: a scheduled run with its instances (those of the batch's invokers) pending and its
 * invokers awaiting their records, a rerun with its InvokeCommand parts; then what the follower
 * reads of them, each change one atomic step with the run's counters.
 */
export class RunStore {
  readonly keys: RunKeys;
  private readonly batchKeys: ReturnType<typeof redisKeys>;

  constructor(
    private readonly redis: RedisClient,
    namespace: string,
  ) {
    this.keys = runKeys(namespace);
    this.batchKeys = redisKeys(namespace);
  }

  async meta(batchId: string, runId: string): Promise<RunMeta | undefined> {
    return metaOf(await this.redis.hgetall(this.keys.run(batchId, runId)));
  }

  /** A new run's records: its hash, every instance pending in batch order, the batch's last run. */
  private async write(
    batchId: string,
    runId: string,
    fields: Record<string, string | number>,
    instanceIds: readonly string[],
    extra: (multi: ReturnType<RedisClient["multi"]>) => void,
  ): Promise<void> {
    const k = this.keys;
    const multi = this.redis.multi();
    multi.hset(k.run(batchId, runId), {
      ...fields,
      status: "PENDING",
      createdAt: Date.now(),
      total: instanceIds.length,
      "s:PENDING": instanceIds.length,
      "c:Pending": instanceIds.length,
    });
    for (let start = 0; start < instanceIds.length; start += SLICE) {
      const slice = instanceIds.slice(start, start + SLICE);
      multi.hset(k.tasks(batchId, runId), ...slice.flatMap((id, i) => [id, `PENDING|||${start + i}`]));
      multi.zadd(`${k.statusPrefix(batchId, runId)}PENDING`, ...slice.flatMap((id, i) => [start + i, id]));
    }
    extra(multi);
    multi.zadd(k.index(batchId), Number(fields.scheduledAt), runId);
    multi.hset(this.batchKeys.batch(batchId), BATCH_FIELD.lastRunId, runId);
    unstampExpiry(multi, this.batchKeys, batchId);
    const results = await multi.exec();
    const failed = results?.find(([error]) => error);
    if (!results || failed) throw failed?.[0] ?? new Error("run write aborted");
  }

  /**
   * The run of the batch's invokers at a scheduled time, once: every instance in them pending, and
   * each invoker awaiting its record. Answers its ID, and whether this call made it.
   */
  async createScheduled(
    batchId: string,
    scheduledMs: number,
    invokers: ReadonlyArray<{ invokerId: string; instanceIds: readonly string[] }>,
  ): Promise<{ runId: string; created: boolean }> {
    const runId = runIdOf(scheduledMs);
    if ((await this.redis.exists(this.keys.run(batchId, runId))) === 1) return { runId, created: false };
    const k = this.keys;
    await this.write(
      batchId,
      runId,
      { source: "INVOKER", scheduledAt: scheduledMs },
      invokers.flatMap((v) => v.instanceIds),
      (multi) => {
        if (invokers.length === 0) return;
        multi.hset(
          k.invokers(batchId, runId),
          ...invokers.flatMap((v) => [v.invokerId, v.instanceIds.join(",")]),
        );
        multi.sadd(k.awaiting(batchId, runId), ...invokers.map((v) => v.invokerId));
      },
    );
    return { runId, created: true };
  }

  /** A rerun of these instances of `rerunOf`, in InvokeCommand parts of one instance type each; the workers are asked to follow it at once. */
  async createRerun(batchId: string, rerunOf: string, instanceIds: readonly string[]): Promise<string> {
    const runId = `rerun-${await this.redis.incr(this.keys.rerunCounter(batchId))}`;
    const byType = new Map<string, string[]>();
    for (const id of instanceIds) {
      const type = instanceTypeOf(id) ?? "CVM";
      byType.set(type, [...(byType.get(type) ?? []), id]);
    }
    const parts: RerunPart[] = [];
    for (const ids of byType.values()) {
      for (let i = 0; i < ids.length; i += RERUN_PART_SIZE) {
        parts.push({ instanceIds: ids.slice(i, i + RERUN_PART_SIZE), state: "new" });
      }
    }
    const now = Date.now();
    await this.write(batchId, runId, { source: "RERUN", scheduledAt: now, rerunOf }, instanceIds, (multi) => {
      if (parts.length) {
        multi.hset(
          this.keys.parts(batchId, runId),
          ...parts.flatMap((p, i) => [String(i), JSON.stringify(p)]),
        );
      }
    });
    // The workers follow it now, not at the batch's next scheduled time.
    await this.redis.rpush(this.keys.inbox, batchId);
    return runId;
  }

  async parts(batchId: string, runId: string): Promise<Map<number, RerunPart>> {
    const raw = await this.redis.hgetall(this.keys.parts(batchId, runId));
    return new Map(Object.entries(raw).map(([i, json]) => [Number(i), JSON.parse(json) as RerunPart]));
  }

  async setPart(batchId: string, runId: string, index: number, part: RerunPart): Promise<void> {
    await this.redis.hset(this.keys.parts(batchId, runId), String(index), JSON.stringify(part));
  }

  /** Tasks as read: answers how many became final in each status. */
  async applyTasks(
    batchId: string,
    runId: string,
    updates: readonly TaskUpdate[],
  ): Promise<Map<TaskStatus, number>> {
    const reached = new Map<TaskStatus, number>();
    for (let start = 0; start < updates.length; start += SLICE) {
      const slice = updates.slice(start, start + SLICE);
      const reply = await APPLY_TASKS.run(
        this.redis,
        [this.keys.run(batchId, runId), this.keys.tasks(batchId, runId)],
        [
          this.keys.statusPrefix(batchId, runId),
          GROUPS_JSON,
          FINALS_JSON,
          ...slice.flatMap((u) => [u.instanceId, u.status, u.invocationId, u.taskId]),
        ],
      );
      for (const [status, n] of reply) reached.set(status, (reached.get(status) ?? 0) + n);
    }
    return reached;
  }

  awaiting(batchId: string, runId: string): Promise<string[]> {
    return this.redis.smembers(this.keys.awaiting(batchId, runId));
  }

  running(batchId: string, runId: string): Promise<string[]> {
    return this.redis.smembers(this.keys.running(batchId, runId));
  }

  /** Invokers that fired for this run: their invocations are followed from now on. */
  async fired(
    batchId: string,
    runId: string,
    found: ReadonlyArray<{ invokerId: string; invocationId: string }>,
  ) {
    if (found.length === 0) return;
    await this.redis
      .multi()
      .srem(this.keys.awaiting(batchId, runId), ...found.map((f) => f.invokerId))
      .sadd(this.keys.running(batchId, runId), ...found.map((f) => f.invocationId))
      .exec();
    await this.markRunning(batchId, runId);
  }

  /** Invocations a rerun sent (its parts): followed from now on. */
  async sent(batchId: string, runId: string, invocationIds: readonly string[]) {
    if (invocationIds.length === 0) return;
    await this.redis.sadd(this.keys.running(batchId, runId), ...invocationIds);
    await this.markRunning(batchId, runId);
  }

  private async markRunning(batchId: string, runId: string): Promise<void> {
    const key = this.keys.run(batchId, runId);
    if ((await this.redis.hget(key, "status")) === "PENDING") await this.redis.hset(key, "status", "RUNNING");
  }

  /**
   * Invocations that ended: no longer followed, their failed tasks' details due, and the run's
   * first start and last end moved by their times.
   */
  async invocationsEnded(
    batchId: string,
    runId: string,
    ended: ReadonlyArray<{
      invocationId: string;
      detailsDue: ReadonlyArray<{ taskId: string; instanceId: string }>;
      startMs?: number;
      endMs?: number;
    }>,
  ): Promise<void> {
    if (ended.length === 0) return;
    const key = this.keys.run(batchId, runId);
    const [first, last] = (await this.redis.hmget(key, "firstStartedAt", "lastFinishedAt")).map((v) =>
      v === null ? undefined : Number(v),
    );
    const starts = ended.flatMap((e) => (e.startMs === undefined ? [] : [e.startMs]));
    const ends = ended.flatMap((e) => (e.endMs === undefined ? [] : [e.endMs]));
    const due = ended.flatMap((e) => e.detailsDue.map((d) => `${d.taskId}|${d.instanceId}`));
    const multi = this.redis
      .multi()
      .srem(this.keys.running(batchId, runId), ...ended.map((e) => e.invocationId));
    if (due.length) multi.sadd(this.keys.detailsDue(batchId, runId), ...due);
    const earliest = starts.length ? Math.min(...starts) : undefined;
    const latest = ends.length ? Math.max(...ends) : undefined;
    if (earliest !== undefined && (first === undefined || earliest < first))
      multi.hset(key, "firstStartedAt", earliest);
    if (latest !== undefined && (last === undefined || latest > last))
      multi.hset(key, "lastFinishedAt", latest);
    await multi.exec();
  }

  /** Invokers that did not fire in time: their instances end NOT_FIRED. */
  async notFired(
    batchId: string,
    runId: string,
    invokerIds: readonly string[],
  ): Promise<Map<TaskStatus, number>> {
    if (invokerIds.length === 0) return new Map();
    const lists = await this.redis.hmget(this.keys.invokers(batchId, runId), ...invokerIds);
    const updates = lists.flatMap((list) =>
      (list ? list.split(",") : []).map((instanceId) => ({
        instanceId,
        status: NOT_FIRED,
        invocationId: "",
        taskId: "",
      })),
    ) as TaskUpdate[];
    const reached = await this.applyTasks(batchId, runId, updates);
    await this.redis.srem(this.keys.awaiting(batchId, runId), ...invokerIds);
    return reached;
  }

  /** Ends the run if nothing of it is left to follow: its final status, or undefined. */
  async finish(batchId: string, runId: string): Promise<RunStatus | undefined> {
    const k = this.keys;
    const status = await FINISH.run(
      this.redis,
      [
        k.run(batchId, runId),
        k.awaiting(batchId, runId),
        k.running(batchId, runId),
        k.detailsDue(batchId, runId),
        this.batchKeys.outbox,
      ],
      [Date.now(), batchId, runId],
    );
    return status ? (status as RunStatus) : undefined;
  }

  /** The batch's runs not final yet (to follow). */
  async openRuns(batchId: string): Promise<string[]> {
    const ids = await this.redis.zrange(this.keys.index(batchId), 0, -1);
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hget(this.keys.run(batchId, id), "finishedAt");
    const results = (await pipeline.exec()) ?? [];
    return ids.filter((_id, i) => !results[i]?.[1]);
  }
}
