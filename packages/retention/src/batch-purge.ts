import { batchScript, followJobId, queueNames, type RedisKeys, redisKeys } from "@tat-bulk/batches";
import { bullPrefix, type RedisClient, unexpectedReply } from "@tat-bulk/redis";
import { type RunKeys, runKeys } from "@tat-bulk/runs";
import { TASK_STATUSES } from "@tat-bulk/tat-api";
import { Queue } from "bullmq";

export const PURGE_OUTCOMES = ["purged", "missing", "not-due", "unfinished", "invokers", "run"] as const;
export type PurgeOutcome = (typeof PURGE_OUTCOMES)[number];

const PURGE = batchScript(new URL("../lua/purge-batch.lua", import.meta.url), 4, (reply) =>
  typeof reply === "string" && (PURGE_OUTCOMES as readonly string[]).includes(reply)
    ? (reply as PurgeOutcome)
    : unexpectedReply("purge-batch", reply),
);

/** Every key of one run, after its key prefix (`<root>:run:<batch>:<run>`): built from runKeys so the two cannot drift. */
export function runKeySuffixes(keys: RunKeys): string[] {
  const [b, r] = ["b", "r"];
  const base = keys.run(b, r);
  const tail = (key: string) => key.slice(base.length);
  return [
    "",
    tail(keys.tasks(b, r)),
    tail(keys.invokers(b, r)),
    tail(keys.awaiting(b, r)),
    tail(keys.running(b, r)),
    tail(keys.detailsDue(b, r)),
    tail(keys.details(b, r)),
    tail(keys.groups(b, r)),
    tail(keys.parts(b, r)),
    ...TASK_STATUSES.map((status) => tail(`${keys.statusPrefix(b, r)}${status}`)),
  ];
}

/**
 * Removes finished batches and everything under them (chunks, instance outcomes, runs, the
 * scheduler's list, the idempotency key, the indexes' entries) in one Lua step each, which checks
 * again that the batch is finished: a retry, an invoker action or a rerun since keeps it.
 */
export class BatchPurge {
  readonly keys: RedisKeys;
  private readonly runs: RunKeys;
  private readonly suffixes: string;
  /** The caller's index keys, as the text before and after the caller's name. */
  private readonly callerKeys: string;
  private readonly runsQueue: Queue;

  constructor(
    private readonly redis: RedisClient,
    namespace: string,
  ) {
    this.keys = redisKeys(namespace);
    this.runs = runKeys(namespace);
    this.suffixes = JSON.stringify(runKeySuffixes(this.runs));
    const around = (key: (caller: string) => string) => key("\u0000").split("\u0000");
    this.callerKeys = JSON.stringify([around(this.keys.callerBatches), around(this.keys.callerOpen)]);
    this.runsQueue = new Queue(queueNames(namespace).runs, {
      prefix: bullPrefix(namespace),
      connection: redis,
    });
  }

  /**
   * `expired`: only if it was stamped finished by `cutoff` (now less the retention); `now`: at once
   * (an early purge).
   */
  async purge(batchId: string, mode: "expired" | "now", cutoff = 0): Promise<PurgeOutcome> {
    const k = this.keys;
    const runPrefix = this.runs.run(batchId, "");
    const outcome = await PURGE.run(
      this.redis,
      [k.batch(batchId), k.batchIndex, k.unfinished, k.expiring],
      [
        mode,
        cutoff,
        batchId,
        k.chunks(batchId),
        k.schedPending(batchId),
        k.idempotency(""),
        this.callerKeys,
        this.runs.index(batchId),
        this.runs.follow(batchId),
        this.runs.rerunCounter(batchId),
        runPrefix,
        this.suffixes,
      ],
    );
    // Its follower may wait for a firing that will not come (a disabled RECURRENCE): it goes too.
    // One at work finds no batch and ends by itself.
    if (outcome === "purged") await this.runsQueue.remove(followJobId(batchId)).catch(() => 0);
    return outcome;
  }

  /** One finished run of a batch that lives on (a RECURRENCE schedule): its keys, and its place in the index. */
  async purgeRun(batchId: string, runId: string): Promise<void> {
    const prefix = this.runs.run(batchId, runId);
    const multi = this.redis.multi();
    for (const suffix of JSON.parse(this.suffixes) as string[]) multi.unlink(`${prefix}${suffix}`);
    multi.zrem(this.runs.index(batchId), runId);
    await multi.exec();
  }

  async close(): Promise<void> {
    await this.runsQueue.close();
  }
}
