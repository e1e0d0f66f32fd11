import {
  BatchReads,
  type ChunkJobData,
  ChunkTransitions,
  publishCallRate,
  redisKeys,
} from "@tat-bulk/batches";
import { once } from "@tat-bulk/config";
import { closeServer, createHealthServer, listen, type ServiceApp } from "@tat-bulk/metrics";
import { RATE_LIMIT_KEY_PREFIX, SharedRateLimiter } from "@tat-bulk/rate-limit";
import { parseEndpoint, TatClient } from "@tat-bulk/tat-client";
import { DelayedError, Worker } from "bullmq";
import { Redis } from "ioredis";
import type { Logger } from "pino";
import { ChunkJob } from "./chunk-job.js";
import { ChunkRecorder } from "./chunk-recorder.js";
import type { WorkerConfig } from "./env.js";
import { RateLimitedTat } from "./rate-limited-tat.js";
import { createWorkerMetrics, type WorkerMetrics } from "./worker-metrics.js";

/**
 * start: consumes jobs and serves health (its URL is the health server's). close: stops taking jobs,
 * lets in-flight calls finish within the grace period, closes everything.
 */
export type WorkerApp = ServiceApp<WorkerMetrics>;

export function createWorkerApp(config: WorkerConfig, logger: Logger): WorkerApp {
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3 });
  redis.on("error", (error) => logger.warn({ err: error.message }, "redis error"));
  const keys = redisKeys(config.QUEUE_NAME);
  const metrics = createWorkerMetrics({ ping: () => redis.ping(), rateLimit: config.TAT_RATE_LIMIT });
  const client = new TatClient({
    endpoint: config.TAT_ENDPOINT,
    secretId: config.TENCENTCLOUD_SECRET_ID,
    secretKey: config.TENCENTCLOUD_SECRET_KEY,
    timeoutMs: config.TAT_TIMEOUT_MS,
    ...(config.TENCENTCLOUD_SESSION_TOKEN ? { sessionToken: config.TENCENTCLOUD_SESSION_TOKEN } : {}),
  });
  const limiter = new SharedRateLimiter({
    redis,
    keyPrefix: RATE_LIMIT_KEY_PREFIX,
    limit: config.TAT_RATE_LIMIT,
    windowMs: 1000 + config.TAT_RATE_MARGIN_MS,
    penaltyMs: config.TAT_RATE_PENALTY_MS,
  });
  // Tencent Cloud counts per action + access region (the endpoint) + account; never the secret itself.
  const account = config.TAT_ACCOUNT ?? config.TENCENTCLOUD_SECRET_ID;
  const limitOf = (action: string) => config.TAT_RATE_LIMITS.get(action) ?? config.TAT_RATE_LIMIT;
  const bucketSuffix = `${parseEndpoint(config.TAT_ENDPOINT).host}|${account}`;
  const tat = new RateLimitedTat(client, limiter, metrics, bucketSuffix, limitOf);
  const chunkJob = new ChunkJob({
    reads: new BatchReads(redis, keys),
    recorder: new ChunkRecorder(new ChunkTransitions(redis, keys), metrics, logger),
    tat,
    metrics,
    preflight: config.TAT_PREFLIGHT === "agent-status",
    maxAttempts: config.TAT_MAX_ATTEMPTS,
    retryBaseMs: config.TAT_RETRY_BASE_MS,
    retryMaxMs: config.TAT_RETRY_MAX_MS,
    rateLimitedDelayMs: config.TAT_RATE_PENALTY_MS,
    defaultRegion: config.TAT_REGION,
  });
  const worker = new Worker<ChunkJobData>(
    config.QUEUE_NAME,
    async (job, token) => {
      const outcome = await chunkJob.process(job.data);
      if (outcome.kind === "retry") {
        await job.moveToDelayed(Date.now() + outcome.delayMs, token);
        throw new DelayedError();
      }
    },
    {
      connection: { url: config.REDIS_URL },
      concurrency: config.WORKER_CONCURRENCY,
      lockDuration: config.WORKER_LOCK_MS,
      stalledInterval: config.WORKER_STALLED_INTERVAL_MS,
      // A chunk whose worker died goes back to the queue however often that happens; the
      // duplicate check makes each return safe.
      maxStalledCount: 1000,
      autorun: false,
    },
  );
  worker.on("error", (error) => logger.warn({ err: error.message }, "worker error"));
  worker.on("failed", (job, error) =>
    logger.error({ jobId: job?.id, err: error.message }, "chunk job failed"),
  );
  const health = createHealthServer({
    registry: metrics.registry,
    ready: () => redis.ping().then(() => true),
    notReadyReason: "redis unreachable",
  });
  return {
    metrics,
    async start() {
      const url = await listen(health, config.PORT, config.HOST);
      await publishCallRate(redis, keys, "CreateInvoker", config.TAT_RATE_LIMIT);
      void worker.run().catch((error: unknown) => logger.error({ err: error }, "worker stopped"));
      return url;
    },
    close: once(async () => {
      // Waiters for a slot give their job back at once; calls already sent finish.
      limiter.close();
      const drained = worker.close();
      const grace = new Promise<"timeout">((resolve) =>
        setTimeout(() => resolve("timeout"), config.WORKER_GRACE_MS),
      );
      if ((await Promise.race([drained, grace])) === "timeout") {
        logger.warn({ graceMs: config.WORKER_GRACE_MS }, "grace period over; closing with calls in flight");
        await worker.close(true);
      }
      client.close();
      await closeServer(health);
      redis.disconnect();
    }),
  };
}
