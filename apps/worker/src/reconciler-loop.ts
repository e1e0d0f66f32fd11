import { type Batches, type PassResult, Reconciler } from "@tat-bulk/batches";
import { type RedisClient, RedisLease } from "@tat-bulk/redis";
import type { SweepResult } from "@tat-bulk/retention";
import type { Logger } from "pino";
import type { WorkerMetrics } from "./worker-metrics.js";

export interface ReconcilerLoopDeps {
  redis: RedisClient;
  store: Pick<Batches, "keys" | "queue" | "jobs">;
  intervalMs: number;
  /** A pass that has not ended by then is left behind, and the next one starts. */
  passDeadlineMs: number;
  metrics: WorkerMetrics;
  logger: Logger;
  /** The pass to run (a test gives one that hangs or throws); the namespace's reconciler by default. */
  pass?: () => Promise<PassResult>;
  /** Retention, swept by the same holder after a pass, at most once per `intervalMs`. */
  retention?: {
    sweep(): Promise<SweepResult>;
    intervalMs: number;
    /** Adds the follower job of a batch the sweep found without one. */
    refollow(batchId: string): Promise<void>;
  };
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Runs the reconciler every interval on the one worker that holds its lease (the others keep
 * trying, and take over within three intervals of the holder's death). Nothing stops the loop: an
 * error ends a pass, not the loop, and a pass that hangs (a Redis answer lost to a restart) is left
 * behind at its deadline. Each finished pass stamps `tat_bulk_reconciler_last_pass_timestamp_seconds`.
 */
export function startReconcilerLoop(deps: ReconcilerLoopDeps): { close(): Promise<void> } {
  const { store, intervalMs, passDeadlineMs, metrics, logger, redis } = deps;
  const lease = new RedisLease(redis, store.keys.reconcilerLock, intervalMs * 3);
  const reconciler = new Reconciler({ redis, keys: store.keys, queue: store.queue, jobs: store.jobs });
  const pass = deps.pass ?? (() => reconciler.pass());
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let closed = false;
  let lastSweep = 0;

  const tick = async () => {
    const leader = await lease.hold();
    metrics.reconcilerLeader.set(leader ? 1 : 0);
    if (!leader) return;
    const result = await pass();
    for (const repair of result.repairs) {
      metrics.reconcilerRepairs.inc({ kind: repair.kind });
      logger.warn(repair, "reconciler repaired drift");
    }
    for (const failure of result.errors) logger.error(failure, "reconciler could not look at a batch");
    metrics.reconcilerPasses.inc({ outcome: result.errors.length ? "errors" : "ok" });
    metrics.reconcilerLastPass.set(Date.now() / 1000);
    if (deps.retention && Date.now() - lastSweep >= deps.retention.intervalMs) {
      lastSweep = Date.now();
      const swept = await deps.retention.sweep().catch((error: unknown) => {
        logger.warn({ err: message(error) }, "retention sweep failed; the next one goes on");
        return undefined;
      });
      if (!swept) return;
      for (const batchId of swept.unfollowed) {
        await deps.retention.refollow(batchId);
        metrics.reconcilerRepairs.inc({ kind: "follower" });
        logger.warn({ kind: "follower", batchId }, "reconciler repaired drift");
      }
      const batches = swept.purged.purged ?? 0;
      metrics.retentionRemoved.inc({ kind: "batches" }, batches);
      metrics.retentionRemoved.inc({ kind: "runs" }, swept.runsPurged);
      metrics.retentionRemoved.inc({ kind: "jobs" }, swept.jobsRemoved);
      if (batches || swept.stamped || swept.runsPurged)
        logger.info(swept, "retention: finished batches stamped, expired ones removed");
    }
  };
  const guarded = async () => {
    let deadline: NodeJS.Timeout | undefined;
    const stalled = new Promise<"stalled">((resolve) => {
      deadline = setTimeout(() => resolve("stalled"), passDeadlineMs);
    });
    try {
      if ((await Promise.race([tick(), stalled])) === "stalled") {
        metrics.reconcilerPasses.inc({ outcome: "stalled" });
        logger.error(
          { deadlineMs: passDeadlineMs },
          "reconciler pass passed its deadline; the next one starts",
        );
      }
    } catch (error) {
      metrics.reconcilerPasses.inc({ outcome: "failed" });
      logger.warn({ err: message(error) }, "reconciler pass failed");
    } finally {
      clearTimeout(deadline);
    }
  };
  const schedule = () => {
    if (closed) return;
    timer = setTimeout(() => {
      running = guarded().finally(schedule);
    }, intervalMs);
  };
  schedule();

  return {
    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      await running;
      await lease.release().catch(() => false);
    },
  };
}
