import {
  type BatchReads,
  type BatchSummary,
  eventBatchId,
  followJobId,
  queueNames,
  type RedisKeys,
  readOutbox,
} from "@tat-bulk/batches";
import { bullPrefix, type RedisClient } from "@tat-bulk/redis";
import { FollowState, type RunReads, type RunStore } from "@tat-bulk/runs";
import { nextFiring, runIdOf } from "@tat-bulk/tat-api";
import { Queue } from "bullmq";

/** Why a batch is not finished for retention, or since when it is. */
export type Quietness =
  | { finished: true; sinceMs: number }
  | { finished: false; reason: "missing" | "unfinished" | "invokers" | "runs" | "schedule" | "deliveries" };

const FINAL = new Set(["SUCCEEDED", "FAILED", "PARTIALLY_FAILED", "CANCELLED"]);
/** BullMQ states in which a job will still run. */
const PENDING_STATES = ["waiting", "delayed", "active", "prioritized", "waiting-children"] as const;
const FOLLOWING_STATES = PENDING_STATES.filter((state) => state !== "delayed");
/** A firing this recent may have no run yet; one older has its run, or never will (NOT_FIRED). */
const RECENT_FIRING_MS = 10 * 60_000;
const ms = (iso: string | null | undefined) => (iso ? Date.parse(iso) : 0);

export interface QuietDeps {
  redis: RedisClient;
  keys: RedisKeys;
  namespace: string;
  reads: Pick<BatchReads, "summary">;
  runs: Pick<RunReads, "list" | "exists">;
  runStore: Pick<RunStore, "openRuns">;
}

/**
 * Whether a batch is finished, for retention and an early purge: final and not reopened, its invoker
 * action done or given up, no scheduled firing to come or without its run yet (a RECURRENCE batch
 * with enabled invokers never is finished: disable or delete them to let it go), no run open or
 * followed, and no webhook delivery of it still to make. Finished since its last change: the latest of its finish, its
 * invoker action's end and its runs' ends.
 */
export class BatchQuiet {
  private readonly runsQueue: Queue;
  private readonly webhooks: Queue;
  private readonly followState: FollowState;

  constructor(private readonly deps: QuietDeps) {
    const names = queueNames(deps.namespace);
    const options = { prefix: bullPrefix(deps.namespace), connection: deps.redis };
    this.runsQueue = new Queue(names.runs, options);
    this.webhooks = new Queue(names.webhooks, options);
    this.followState = new FollowState(deps.redis, deps.namespace);
  }

  /** Batches with a webhook event still in the outbox or a delivery still to make (read once per sweep). */
  async pendingDeliveries(): Promise<Set<string>> {
    const batches = new Set<string>();
    for (const event of await readOutbox(this.deps.redis, this.deps.keys, 10_000)) batches.add(event.BatchId);
    for (const job of await this.webhooks.getJobs([...PENDING_STATES], 0, 10_000)) {
      const batchId = job?.id ? eventBatchId(job.id) : undefined;
      if (batchId) batches.add(batchId);
    }
    return batches;
  }

  async check(batchId: string, deliveries?: ReadonlySet<string>, now = Date.now()): Promise<Quietness> {
    const { reads, runs, runStore } = this.deps;
    const summary = await reads.summary(batchId);
    if (!summary) return { finished: false, reason: "missing" };
    // A retry clears FinishedAt in the step that reopens its first chunk.
    if (!FINAL.has(summary.Status) || !summary.FinishedAt) return { finished: false, reason: "unfinished" };
    const action = summary.InvokerAction;
    if (action && !action.DoneAt && !action.Error) return { finished: false, reason: "invokers" };
    const firing = liveFiring(summary, now);
    if (firing !== undefined && (firing > now || !(await this.handled(batchId, firing))))
      return { finished: false, reason: "schedule" };
    if ((await runStore.openRuns(batchId)).length > 0 || (await this.followed(batchId)))
      return { finished: false, reason: "runs" };
    if ((deliveries ?? (await this.pendingDeliveries())).has(batchId))
      return { finished: false, reason: "deliveries" };
    const lastRuns = (await runs.list(batchId, 0, 20)).runs;
    const sinceMs = Math.max(
      ms(summary.FinishedAt),
      ms(action?.DoneAt),
      ...lastRuns.map((run) => ms(run.FinishedAt)),
    );
    return { finished: true, sinceMs };
  }

  /** The firing has its run, or the follower handled its time (no invoker of the batch fired then). */
  private async handled(batchId: string, firing: number): Promise<boolean> {
    if (await this.deps.runs.exists(batchId, runIdOf(firing))) return true;
    const { handledUntil } = await this.followState.get(batchId);
    return handledUntil !== undefined && handledUntil >= firing;
  }

  /**
   * A batch not finished for its schedule or its runs whose follower job is gone (not even delayed,
   * completed or parked): nothing would follow it.
   */
  async followerLost(batchId: string, quiet: Quietness): Promise<boolean> {
    if (quiet.finished || (quiet.reason !== "schedule" && quiet.reason !== "runs")) return false;
    return !(await this.runsQueue.getJob(followJobId(batchId)));
  }

  /**
   * Its follower is at work or about to be. A follower delayed until a next firing is not: once the
   * invokers stop firing (the schedule check above), that firing will not come.
   */
  private async followed(batchId: string): Promise<boolean> {
    const job = await this.runsQueue.getJob(followJobId(batchId));
    if (!job) return false;
    return (FOLLOWING_STATES as readonly string[]).includes(await job.getState());
  }

  async close(): Promise<void> {
    await Promise.all([this.runsQueue.close(), this.webhooks.close()]);
  }
}

/**
 * A firing of the batch's enabled invokers still to come, or one that came so recently that its run
 * may not be made yet (the follower looks a few seconds after each time); undefined for a batch
 * whose invokers no longer fire for tat-bulk (cancelled, disabled, deleted, none created).
 */
export function liveFiring(summary: BatchSummary, now: number): number | undefined {
  if (summary.CancelRequested || summary.Invokers.Enabled === 0) return undefined;
  const target = summary.InvokerAction?.Target;
  if (target === "DISABLED" || target === "DELETED") return undefined;
  const schedule = summary.request.ScheduleSettings;
  return nextFiring(schedule, now) ?? nextFiring(schedule, now - RECENT_FIRING_MS);
}
