import {
  addInvokerJob,
  type ChunkJobData,
  type InvokerJobData,
  invokerQueueName,
  openBatches,
  publishCallRate,
} from "@tat-bulk/batches";
import { once } from "@tat-bulk/config";
import { closeServer, createHealthServer, listen, type ServiceApp } from "@tat-bulk/metrics";
import { DelayedError } from "bullmq";
import { Redis } from "ioredis";
import type { Logger } from "pino";
import { ChunkJob } from "./chunk-job.js";
import { ChunkRecorder } from "./chunk-recorder.js";
import { consumer } from "./consumer.js";
import type { WorkerConfig } from "./env.js";
import { runInvokerJob } from "./invoker-job.js";
import { startOutboxMover } from "./outbox-mover.js";
import { createTatAccess } from "./tat-access.js";
import { createWebhookQueue, webhookConsumer } from "./webhook-consumer.js";
import { createWorkerMetrics, type WorkerMetrics } from "./worker-metrics.js";

/**
 * start: consumes jobs and serves health (its URL is the health server's). close: stops taking jobs,
 * lets in-flight calls finish within the grace period, closes everything.
 */
export type WorkerApp = ServiceApp<WorkerMetrics>;

/**
 * A worker process: chunk jobs (CreateInvoker), invoker actions (disable, enable, delete) and
 * webhook deliveries, each from its own queue, all under the shared rate limits.
 */
export function createWorkerApp(config: WorkerConfig, logger: Logger): WorkerApp {
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3 });
  redis.on("error", (error) => logger.warn({ err: error.message }, "redis error"));
  const metrics = createWorkerMetrics({ ping: () => redis.ping(), rateLimit: config.TAT_RATE_LIMIT });
  const store = openBatches(redis, config.QUEUE_NAME, { log: logger });
  const webhooks = createWebhookQueue(config.QUEUE_NAME, redis);
  const access = createTatAccess(config, redis, metrics);
  const recorder = new ChunkRecorder(
    store.transitions,
    {
      sweep: store.sweep,
      stop: store.stop,
      addInvokerJob: (batchId, index, seq, version) =>
        addInvokerJob(store.invokerQueue, batchId, index, seq, version),
    },
    metrics,
    logger,
  );
  const chunkJob = new ChunkJob({
    reads: store.reads,
    recorder,
    tat: access.tat,
    metrics,
    preflight: config.TAT_PREFLIGHT === "agent-status",
    maxAttempts: config.TAT_MAX_ATTEMPTS,
    retryBaseMs: config.TAT_RETRY_BASE_MS,
    retryMaxMs: config.TAT_RETRY_MAX_MS,
    rateLimitedDelayMs: config.TAT_RATE_PENALTY_MS,
    defaultRegion: config.TAT_REGION,
  });
  const connection = { url: config.REDIS_URL };
  const chunks = consumer<ChunkJobData>(
    config.QUEUE_NAME,
    async (job, token) => {
      const outcome = await chunkJob.process(job.data);
      if (outcome.kind === "retry") {
        await job.moveToDelayed(Date.now() + outcome.delayMs, token);
        throw new DelayedError();
      }
    },
    {
      connection,
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
    (job) =>
      runInvokerJob(
        {
          redis,
          keys: store.keys,
          reads: store.reads,
          transitions: store.transitions,
          tat: access.tat,
          metrics,
          logger,
        },
        job.data,
      ),
    {
      connection,
      concurrency: config.INVOKER_CONCURRENCY,
      lockDuration: config.WORKER_LOCK_MS,
      maxStalledCount: 1000,
    },
    logger,
  );
  const deliveries = config.WEBHOOK_SIGNING_SECRET
    ? webhookConsumer(
        config.QUEUE_NAME,
        connection,
        {
          secret: config.WEBHOOK_SIGNING_SECRET,
          allowedHosts: config.WEBHOOK_ALLOWED_HOSTS,
          timeoutMs: config.WEBHOOK_TIMEOUT_MS,
          retryBaseMs: config.WEBHOOK_RETRY_BASE_MS,
          retryMaxMs: config.WEBHOOK_RETRY_MAX_MS,
          giveUpMs: config.WEBHOOK_GIVE_UP_MS,
        },
        metrics,
        logger,
      )
    : undefined;
  let mover: { close(): Promise<void> } | undefined;
  const health = createHealthServer({
    registry: metrics.registry,
    ready: () => redis.ping().then(() => true),
    notReadyReason: "redis unreachable",
  });

  return {
    metrics,
    async start() {
      const url = await listen(health, config.PORT, config.HOST);
      await publishCallRate(redis, store.keys, "CreateInvoker", config.TAT_RATE_LIMIT);
      for (const c of [chunks, invokers, deliveries]) c?.start();
      mover = startOutboxMover({ redis, keys: store.keys, reads: store.reads, webhooks, logger });
      return url;
    },
    close: once(async () => {
      access.stopWaiting();
      await Promise.all([chunks, invokers, deliveries].map((c) => c?.close(config.WORKER_GRACE_MS)));
      await mover?.close();
      await Promise.all([store.close(), webhooks.close()]);
      access.close();
      await closeServer(health);
      redis.disconnect();
    }),
  };
}
