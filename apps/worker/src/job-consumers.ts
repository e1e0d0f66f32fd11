import {
  type DeadLetterQueue,
  INVOKER_ACTION_ATTEMPTS,
  type InvokerJobData,
  invokerQueueName,
  recordInvokerActionError,
} from "@tat-bulk/batches";
import type { ChunkJobData } from "@tat-bulk/chunk-queue";
import type { Tracing } from "@tat-bulk/tracing";
import { type ConnectionOptions, DelayedError, UnrecoverableError } from "bullmq";
import type { Logger } from "pino";
import type { BatchTraces } from "./batch-traces.js";
import { type CatchAllPolicy, caughtAll, type Unforeseen } from "./catch-all.js";
import type { ChunkJob, ChunkOutcome } from "./chunk-job.js";
import { type Consumer, consumer } from "./consumer.js";
import type { Dispatcher } from "./dispatcher.js";
import type { WorkerConfig } from "./env.js";
import { type InvokerJobDeps, runInvokerJob, TryAgain } from "./invoker-job.js";
import { watched } from "./job-watch.js";
import { bullBackoff, mayRetry, tatCallRetry } from "./retry-policy.js";
import type { RoundResult, RunFollower } from "./runs/run-follower.js";
import { type FollowJobData, runsQueueName } from "./runs/runs-queue.js";
import type { WorkerMetrics } from "./worker-metrics.js";

/** A job that met an outage comes back this soon: it then waits for the circuit, not the queue. */
const OUTAGE_RECHECK_MS = 1000;
/** A job that threw goes again this much later (see catch-all.ts). */
const WORKER_ERROR_RETRY_MS = 2000;

export interface JobConsumersDeps {
  config: WorkerConfig;
  logger: Logger;
  metrics: WorkerMetrics;
  connection: ConnectionOptions;
  prefix: string;
  /** Each chunk job runs under its scheduler lease (renewed, then released when it ends). */
  dispatcher: Pick<Dispatcher, "leased">;
  chunkJob: ChunkJob;
  follower: RunFollower;
  invokerDeps: InvokerJobDeps;
  /** BullMQ's consumer spans; the follower's and invoker actions' rounds join their batch's trace. */
  tracing: Tracing;
  traces: BatchTraces;
}

/**
 * The worker's three job queues: chunks (CreateInvoker), invoker actions and run followers. Each
 * job is watched (put back when it gets nowhere), and a chunk or follower that keeps meeting
 * unforeseen errors is parked in the dead letters.
 */
export function jobConsumers(deps: JobConsumersDeps): Record<"chunks" | "invokers" | "runs", Consumer> {
  const { config, logger, metrics, prefix, dispatcher, chunkJob, follower, invokerDeps, tracing } = deps;
  // Every consumer's BullMQ options start with these: the connection, and BullMQ's own spans.
  const shared = {
    connection: deps.connection,
    ...(tracing.bullmq ? { telemetry: tracing.bullmq } : {}),
  };
  /** `fn` in a span of the batch's trace (a round of a run follower, an invoker action). */
  const inBatchTrace = async <T>(name: string, batchId: string, fn: () => Promise<T>): Promise<T> => {
    if (!tracing.enabled) return fn();
    const parent = (await deps.traces.of([batchId])).get(batchId) ?? undefined;
    return tracing.span(name, { "tat_bulk.batch_id": batchId }, fn, parent ? { parent } : {});
  };
  // Invoker actions are TAT calls as a chunk's are: spaced the same way, tried longer (each is idempotent).
  const invokerRetry = tatCallRetry(config, INVOKER_ACTION_ATTEMPTS);
  const catchAll: CatchAllPolicy = {
    maxErrors: config.WORKER_JOB_MAX_ERRORS,
    retryMs: WORKER_ERROR_RETRY_MS,
  };
  /** Failed for good (BullMQ's failed set is the dead-letter place), counted and logged. */
  const parked = (queue: DeadLetterQueue, jobId: string | undefined, reason: string) => {
    metrics.jobsParked.inc({ queue });
    logger.error({ queue, jobId, reason }, "job parked in the dead letters");
    return new UnrecoverableError(reason);
  };
  const stalled = (queue: "chunks" | "invokers" | "runs", jobId: string | undefined) => {
    logger.warn({ queue, jobId, stallMs: config.WORKER_JOB_STALL_MS }, "job got nowhere; put back");
    metrics.jobsStalled.inc({ queue });
  };
  const chunks = consumer<ChunkJobData>(
    config.QUEUE_NAME,
    async (job, token) => {
      const outcome = await watched<ChunkOutcome | Unforeseen>(
        config.WORKER_JOB_STALL_MS,
        (watch) =>
          dispatcher.leased(job.data, () =>
            // Redis or anything unforeseen: the chunk is as its record says, and its job goes again.
            caughtAll(job, chunkJob.process(job.data, watch), catchAll, (err) => {
              logger.warn({ jobId: job.id, err }, "chunk job put back");
              metrics.chunkRetries.inc({ reason: "WorkerError" });
            }),
          ),
        () => {
          stalled("chunks", job.id);
          return { kind: "retry", delayMs: 0 };
        },
      );
      if (outcome.kind === "retry") {
        await job.moveToDelayed(Date.now() + outcome.delayMs, token);
        throw new DelayedError();
      }
      if (outcome.kind === "park") throw parked("chunks", job.id, outcome.reason);
    },
    {
      ...shared,
      prefix,
      concurrency: config.WORKER_CONCURRENCY,
      lockDuration: config.WORKER_LOCK_MS,
      stalledInterval: config.WORKER_STALLED_INTERVAL_MS,
      // A chunk whose worker died goes back to the queue however often that happens; the
      // duplicate check makes each return safe.
      maxStalledCount: 1000,
    },
    logger,
  );
  const invokers = consumer<InvokerJobData>(
    invokerQueueName(config.QUEUE_NAME),
    async (job, token) => {
      const outcome = await watched(
        config.WORKER_JOB_STALL_MS,
        (watch) =>
          inBatchTrace("invoker-action", job.data.batchId, () => runInvokerJob(invokerDeps, job.data, watch)),
        () => {
          stalled("invokers", job.id);
          return "paused" as const;
        },
      ).catch(async (error: unknown) => {
        if (!(error instanceof TryAgain) || mayRetry(invokerRetry, job.attemptsMade + 1, job.timestamp))
          throw error;
        // Out of tries: said in the batch's status, which ends the action (retention can let it go).
        const { redis, keys } = invokerDeps;
        const { batchId, seq } = job.data;
        const message = `gave up after ${job.attemptsMade + 1} tries: ${error.message}`;
        await recordInvokerActionError(redis, keys, batchId, seq, message);
        logger.error({ batchId, seq, err: error.message }, "an invoker action gave up");
        return undefined;
      });
      if (outcome === "paused") {
        await job.moveToDelayed(Date.now() + OUTAGE_RECHECK_MS, token);
        throw new DelayedError();
      }
    },
    {
      ...shared,
      prefix,
      concurrency: config.INVOKER_CONCURRENCY,
      lockDuration: config.WORKER_LOCK_MS,
      maxStalledCount: 1000,
      settings: { backoffStrategy: bullBackoff(invokerRetry) },
    },
    logger,
  );
  const runs = consumer<FollowJobData>(
    runsQueueName(config.QUEUE_NAME),
    async (job, token) => {
      const { batchId } = job.data;
      const outcome = await watched<RoundResult | Unforeseen>(
        config.WORKER_JOB_STALL_MS,
        (watch) =>
          caughtAll(
            job,
            inBatchTrace("runs.round", batchId, () => follower.round(batchId, watch)),
            catchAll,
            (err) => logger.warn({ batchId, err }, "run round failed"),
          ),
        () => {
          stalled("runs", job.id);
          return { nextAtMs: Date.now() };
        },
      );
      if (outcome === "done") return;
      if ("kind" in outcome) {
        if (outcome.kind === "park") throw parked("runs", job.id, outcome.reason);
        await job.moveToDelayed(Date.now() + outcome.delayMs, token);
        throw new DelayedError();
      }
      await job.moveToDelayed(outcome.nextAtMs, token);
      throw new DelayedError();
    },
    {
      ...shared,
      prefix,
      concurrency: config.RUN_CONCURRENCY,
      lockDuration: config.WORKER_LOCK_MS,
      maxStalledCount: 1000,
    },
    logger,
  );
  return { chunks, invokers, runs };
}
