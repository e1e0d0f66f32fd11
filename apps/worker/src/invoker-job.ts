import {
  type Batches,
  INVOKER_TAT_ACTION,
  type InvokerJobData,
  type InvokerState,
  invokerNeeds,
  recordInvokerActionError,
} from "@tat-bulk/batches";
import type { RedisClient } from "@tat-bulk/redis";
import { classifyError, DEFAULT_ACCOUNT } from "@tat-bulk/tat-api";
import type { Logger } from "pino";
import type { JobWatch } from "./job-watch.js";
import type { TatRouter } from "./tat-access.js";
import type { WorkerMetrics } from "./worker-metrics.js";

export interface InvokerJobDeps extends Pick<Batches, "keys" | "reads" | "transitions"> {
  redis: RedisClient;
  router: Pick<TatRouter, "for">;
  metrics: WorkerMetrics;
  logger: Logger;
}

/** Thrown to have BullMQ try the job again after its backoff (nothing was lost: calls are idempotent). */
export class TryAgain extends Error {
  override name = "TryAgain";
}

/**
 * One chunk's invokers, each brought to the batch's target state by one call under that action's
 * own budget, each result stored as soon as TAT answered (so the batch's status shows progress and
 * the action completes when the last invoker is done). An invoker TAT no longer knows counts as
 * deleted. A newer action supersedes this job. `paused`: TAT is unavailable; the job goes back
 * without spending one of its attempts.
 */
export async function runInvokerJob(
  deps: InvokerJobDeps,
  job: InvokerJobData,
  watch?: JobWatch,
): Promise<"paused" | undefined> {
  const { reads, transitions, metrics } = deps;
  for (;;) {
    const action = await reads.invokerAction(job.batchId);
    if (!action || action.seq !== job.seq) return undefined;
    const chunk = await reads.chunk(job.batchId, job.index);
    const invoker = chunk?.invokers.find((candidate) => invokerNeeds(candidate, action.target));
    if (!chunk || !invoker) return undefined;
    const name = INVOKER_TAT_ACTION[action.target];
    const budget = deps.router.for(action.account, action.region);
    const tat = budget && watch ? budget.watched(watch) : budget;
    if (!tat) {
      const message = `${name}: account ${action.account ?? DEFAULT_ACCOUNT} is not configured on the workers`;
      await recordInvokerActionError(deps.redis, deps.keys, job.batchId, job.seq, message);
      return undefined;
    }
    const result = await tat.call(name, action.region, { InvokerId: invoker.invokerId });
    const gone = !result.ok && result.code === "ResourceNotFound.InvokerNotFound";
    if (!result.ok && !gone) {
      const { code } = result;
      metrics.invokerActions.inc({ action: name, outcome: code });
      if (result.outage) return "paused";
      const { disposition } = classifyError(code);
      if (disposition === "rate-limited") await tat.penalize(name);
      if (disposition !== "final") throw new TryAgain(`${name} ${invoker.invokerId}: ${code}`);
      const message = `${name}: ${code}: ${result.message}`;
      await recordInvokerActionError(deps.redis, deps.keys, job.batchId, job.seq, message);
      deps.logger.warn({ batchId: job.batchId, action: name, code }, "an invoker action cannot finish");
      return undefined;
    }
    metrics.invokerActions.inc({ action: name, outcome: gone ? "Gone" : "Success" });
    const state: InvokerState = gone ? "DELETED" : action.target;
    const invokers = chunk.invokers.map((v) => (v.invokerId === invoker.invokerId ? { ...v, state } : v));
    // A conflict (the chunk's worker wrote meanwhile) just means reading it again.
    await transitions.write(job.batchId, job.index, chunk, { ...chunk, invokers });
  }
}
