import { type Batches, Reconciler } from "@tat-bulk/batches";
import { type RedisClient, RedisLease } from "@tat-bulk/redis";
import type { Logger } from "pino";
import type { WorkerMetrics } from "./worker-metrics.js";

export interface ReconcilerLoopDeps {
  redis: RedisClient;
  store: Pick<Batches, "keys" | "queue" | "jobs">;
  intervalMs: number;
  metrics: WorkerMetrics;
  logger: Logger;
}

/**
 * Runs the reconciler every interval on the one worker that holds its lease (the others keep
 * trying, and take over within three intervals of the holder's death).
 */
export function startReconcilerLoop(deps: ReconcilerLoopDeps): { close(): Promise<void> } {
  const { store, intervalMs, metrics, logger } = deps;
  const { redis } = deps;
  const lease = new RedisLease(redis, store.keys.reconcilerLock, intervalMs * 3);
  const reconciler = new Reconciler({ redis, keys: store.keys, queue: store.queue, jobs: store.jobs });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let closed = false;

  const tick = async () => {
    try {
      const leader = await lease.hold();
      metrics.reconcilerLeader.set(leader ? 1 : 0);
      if (!leader) return;
      for (const repair of await reconciler.pass()) {
        metrics.reconcilerRepairs.inc({ kind: repair.kind });
        logger.warn(repair, "reconciler repaired drift");
      }
    } catch (error) {
      logger.warn({ err: error instanceof Error ? error.message : String(error) }, "reconciler pass failed");
    }
  };
  const schedule = () => {
    if (closed) return;
    timer = setTimeout(() => {
      running = tick().finally(schedule);
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
