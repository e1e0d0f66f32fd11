import { queueNames, type RedisKeys } from "@tat-bulk/batches";
import { bullPrefix, type RedisClient } from "@tat-bulk/redis";
import { RunReads, RunStore } from "@tat-bulk/runs";
import { Queue } from "bullmq";
import { BatchPurge, type PurgeOutcome } from "./batch-purge.js";
import { BatchQuiet } from "./batch-quiet.js";
import { stampFinished } from "./expiry-stamp.js";

export interface SweepResult {
  /** Batches found finished and given their expiry. */
  stamped: number;
  /** Batches removed, with what else the purge found. */
  purged: Partial<Record<PurgeOutcome, number>>;
  /** Finished runs of live (RECURRENCE) batches removed. */
  runsPurged: number;
  /** Finished BullMQ jobs removed by age. */
  jobsRemoved: number;
  /** Batches with a firing or a run to follow and no follower job: the caller adds one. */
  unfollowed: string[];
}

/** Batches looked at, and expiries carried out, per sweep at most (the next sweep goes on). */
const PER_SWEEP = 1000;

/**
 * Retention, run by the reconciler's lease holder: stamps each newly finished batch with when it
 * finished (`quietAt`: ExpiresAt is that plus the retention), removes those whose expiry came (BatchPurge checks again that
 * they are still finished), drops the finished runs of live RECURRENCE batches by the same clock,
 * and cleans the queues' finished jobs older than it.
 */
export class RetentionSweep {
  private readonly quiet: BatchQuiet;
  private readonly purger: BatchPurge;
  private readonly runs: RunReads;
  private readonly queues: Queue[];
  readonly keys: RedisKeys;

  constructor(
    private readonly redis: RedisClient,
    namespace: string,
    private readonly retentionMs: number,
    reads: ConstructorParameters<typeof BatchQuiet>[0]["reads"],
  ) {
    this.purger = new BatchPurge(redis, namespace);
    this.keys = this.purger.keys;
    this.runs = new RunReads(redis, namespace);
    this.quiet = new BatchQuiet({
      redis,
      keys: this.keys,
      namespace,
      reads,
      runs: this.runs,
      runStore: new RunStore(redis, namespace),
    });
    const options = { prefix: bullPrefix(namespace), connection: redis };
    this.queues = Object.values(queueNames(namespace)).map((name) => new Queue(name, options));
  }

  async sweep(now = Date.now()): Promise<SweepResult> {
    const result: SweepResult = { stamped: 0, purged: {}, runsPurged: 0, jobsRemoved: 0, unfollowed: [] };
    const k = this.keys;
    // Batches the reconciler still watches are left for a later sweep (it forgets them once final).
    const candidates = (await this.redis.zdiff(3, k.batchIndex, k.unfinished, k.expiring)).slice(
      0,
      PER_SWEEP,
    );
    const deliveries = candidates.length ? await this.quiet.pendingDeliveries() : new Set<string>();
    for (const batchId of candidates) {
      const quiet = await this.quiet.check(batchId, deliveries, now);
      if (quiet.finished) {
        if (await stampFinished(this.redis, k, batchId, quiet.sinceMs)) result.stamped++;
      } else {
        if (quiet.reason === "schedule") result.runsPurged += await this.dropOldRuns(batchId, now);
        if (await this.quiet.followerLost(batchId, quiet)) result.unfollowed.push(batchId);
      }
    }
    const cutoff = now - this.retentionMs;
    const due = await this.redis.zrangebyscore(k.expiring, "-inf", cutoff, "LIMIT", 0, PER_SWEEP);
    for (const batchId of due) {
      const outcome = await this.purger.purge(batchId, "expired", cutoff);
      result.purged[outcome] = (result.purged[outcome] ?? 0) + 1;
    }
    for (const queue of this.queues) {
      for (const type of ["completed", "failed"] as const) {
        result.jobsRemoved += (await queue.clean(this.retentionMs, PER_SWEEP, type)).length;
      }
    }
    return result;
  }

  /** The batch's runs that finished longer than the retention ago. */
  private async dropOldRuns(batchId: string, now: number): Promise<number> {
    const { runs } = await this.runs.list(batchId, 0, 10_000);
    let dropped = 0;
    for (const run of runs) {
      if (run.FinishedAt && Date.parse(run.FinishedAt) + this.retentionMs <= now) {
        await this.purger.purgeRun(batchId, run.RunId);
        dropped++;
      }
    }
    return dropped;
  }

  purge(batchId: string): Promise<PurgeOutcome> {
    return this.purger.purge(batchId, "now");
  }

  async close(): Promise<void> {
    await Promise.all([this.quiet.close(), this.purger.close(), ...this.queues.map((q) => q.close())]);
  }
}
