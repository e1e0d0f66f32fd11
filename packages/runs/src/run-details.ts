import type { RedisClient } from "@tat-bulk/redis";
import { TASK_GROUPS, type TaskStatus } from "@tat-bulk/tat-api";
import { groupOf, type StoredGroup } from "./failure-groups.js";
import { type RunKeys, runKeys } from "./run-keys.js";
import type { TaskDetail } from "./run-types.js";

/** A run's failed tasks: which details are still to fetch, and those fetched, counted in their failure group. */
export class RunDetails {
  private readonly keys: RunKeys;

  constructor(
    private readonly redis: RedisClient,
    namespace: string,
  ) {
    this.keys = runKeys(namespace);
  }

  /** Failed tasks whose details are still to fetch, at most `max`: `{taskId, instanceId}`. */
  async due(
    batchId: string,
    runId: string,
    max = 100,
  ): Promise<Array<{ taskId: string; instanceId: string }>> {
    const members = (await this.redis.srandmember(this.keys.detailsDue(batchId, runId), max)) as string[];
    return members.map((m) => {
      const [taskId = "", instanceId = ""] = m.split("|");
      return { taskId, instanceId };
    });
  }

  /** Details as TAT gave them; a failed task's also count in its failure group. */
  async store(
    batchId: string,
    runId: string,
    entries: ReadonlyArray<{ taskId: string; instanceId: string; status: TaskStatus; detail: TaskDetail }>,
  ): Promise<void> {
    if (entries.length === 0) return;
    const groupsKey = this.keys.groups(batchId, runId);
    const failed = entries.filter((e) => (TASK_GROUPS.Failed as readonly string[]).includes(e.status));
    const counted = failed.map((e) => ({
      e,
      ...groupOf(e.status, e.detail.ExitCode, e.detail.Output, e.instanceId),
    }));
    const keys = [...new Set(counted.map((c) => c.key))];
    const stored = keys.length ? await this.redis.hmget(groupsKey, ...keys) : [];
    const groups = new Map<string, StoredGroup>();
    keys.forEach((key, i) => {
      const raw = stored[i];
      if (raw) groups.set(key, JSON.parse(raw) as StoredGroup);
    });
    for (const c of counted) {
      const group = groups.get(c.key) ?? {
        TaskStatus: c.e.status,
        ExitCode: c.e.detail.ExitCode,
        Masked: c.masked,
        Count: 0,
      };
      group.Count++;
      groups.set(c.key, group);
    }
    const multi = this.redis
      .multi()
      .hset(
        this.keys.details(batchId, runId),
        ...entries.flatMap((e) => [e.instanceId, JSON.stringify(e.detail)]),
      )
      .srem(this.keys.detailsDue(batchId, runId), ...entries.map((e) => `${e.taskId}|${e.instanceId}`));
    if (groups.size) multi.hset(groupsKey, ...[...groups].flatMap(([key, g]) => [key, JSON.stringify(g)]));
    await multi.exec();
  }
}
