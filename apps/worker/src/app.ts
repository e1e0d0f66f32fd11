import { addInvokerJob, openBatches, publishAccounts, publishCallRate } from "@tat-bulk/batches";
import { once } from "@tat-bulk/config";
import {
  closeServer,
  createHealthServer,
  listen,
  redisAnswers,
  type ServiceApp,
  within,
} from "@tat-bulk/metrics";
import { CircuitBreakers } from "@tat-bulk/rate-limit";
import {
  bullPrefix,
  checkEvictionPolicy,
  createRedisClient,
  redisMemory,
  redisSettingsOf,
  watchForLoss,
} from "@tat-bulk/redis";
import { RetentionSweep } from "@tat-bulk/retention";
import { FollowState, RunReads } from "@tat-bulk/runs";
import { nextFiring } from "@tat-bulk/tat-api";
import { TRACING_OFF, type Tracing } from "@tat-bulk/tracing";
import type { Logger } from "pino";
import { BatchTraces } from "./batch-traces.js";
import { ChunkJob } from "./chunk-job.js";
import { ChunkRecorder } from "./chunk-recorder.js";
import { Dispatcher } from "./dispatcher.js";
import type { WorkerConfig } from "./env.js";
import { jobConsumers } from "./job-consumers.js";
import { startOutboxMover } from "./outbox-mover.js";
import { startReconcilerLoop } from "./reconciler-loop.js";
import { tatCallRetry } from "./retry-policy.js";
import { FIRST_LOOK_MS, RunFollower } from "./runs/run-follower.js";
import { createRunsQueue, followFrom } from "./runs/runs-queue.js";
import { TatRouter } from "./tat-access.js";
import { createWebhookQueue, webhookConsumer } from "./webhook-consumer.js";
import { createWorkerMetrics, type WorkerMetrics } from "./worker-metrics.js";

/**
 * start: consumes jobs and serves health (its URL is the health server's). close: stops taking jobs,
 * lets in-flight calls finish within the grace period, closes everything.
 */
export type WorkerApp = ServiceApp<WorkerMetrics>;

export interface WorkerOptions {
  /** The Redis client gave up for good (see watchForLoss): main.ts exits, to be restarted. */
  onRedisLost?: () => void;
  /** Started by main.ts from the OTEL_* settings; off by default. */
  tracing?: Tracing;
}

/**
 * A worker process: chunk jobs (CreateInvoker), invoker actions (disable, enable, delete) and
 * webhook deliveries, each from its own queue, all under the shared rate limits.
 */
export function createWorkerApp(
  config: WorkerConfig,
  logger: Logger,
  options: WorkerOptions = {},
): WorkerApp {
  // BullMQ's advice for workers: commands wait out a Redis restart (reconnecting with backoff)
  // instead of failing, so a restart pauses work.
  const redis = createRedisClient(redisSettingsOf(config), { maxRetriesPerRequest: null });
  const tracing = options.tracing ?? TRACING_OFF;
  redis.on("error", (error) => logger.warn({ err: error.message }, "redis error"));
  const loss = watchForLoss(redis, () => {
    logger.error("redis client closed for good; the worker cannot go on");
    options.onRedisLost?.();
  });
  const metrics = createWorkerMetrics({
    ping: () => redis.ping(),
    rateLimit: config.TAT_RATE_LIMIT,
    breakers: () => within(CircuitBreakers.states(redis)),
    marginMs: () => router.marginMs(),
    runsFollowed: () => follower.followedNow(),
    memory: () => redisMemory(redis),
    exemplars: tracing.enabled,
  });
  const store = openBatches(redis, config.QUEUE_NAME, { log: logger, retentionMs: config.BATCH_RETENTION });
  // Each batch's traceparent, read once: the dispatcher's picks and the follower's rounds join it.
  const traces = new BatchTraces(redis, store.keys);
  const webhooks = createWebhookQueue(config.QUEUE_NAME, redis);
  const router = new TatRouter(config, redis, metrics, logger, tracing);
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
    tracing,
  );
  const chunkJob = new ChunkJob({
    reads: store.reads,
    logger,
    recorder,
    router,
    metrics,
    preflight: config.TAT_PREFLIGHT === "agent-status",
    retry: tatCallRetry(config, config.TAT_MAX_ATTEMPTS),
    rateLimitedDelayMs: config.TAT_RATE_PENALTY_MS,
    defaultRegion: config.TAT_REGION,
    callWindowMs: config.TAT_TIMEOUT_MS + 2000,
    tracing,
  });
  // BullMQ's workers share this client's settings (single or Cluster); each duplicates it for its
  // blocking reads. Their keys carry the namespace's hash tag.
  const connection = redis;
  const prefix = bullPrefix(config.QUEUE_NAME);
  const runsQueue = createRunsQueue(config.QUEUE_NAME, redis);
  const followState = new FollowState(redis, config.QUEUE_NAME);
  const follower = new RunFollower({
    redis,
    namespace: config.QUEUE_NAME,
    reads: store.reads,
    router,
    metrics,
    logger,
    defaultRegion: config.TAT_REGION,
    settings: {
      pollMs: config.RUN_POLL_MS,
      pollMaxMs: config.RUN_POLL_MAX_MS,
      fireGraceMs: config.RUN_FIRE_GRACE_MS,
      outputs: config.RUN_OUTPUTS,
      callWindowMs: config.TAT_TIMEOUT_MS + 2000,
    },
  });
  const dispatcher = new Dispatcher({
    redis,
    keys: store.keys,
    scheduler: store.scheduler,
    jobs: store.jobs,
    router,
    follow: async (batchId, schedule) => {
      const first = nextFiring(schedule, Date.now() - 1000);
      if (first !== undefined) await followFrom(runsQueue, batchId, first + FIRST_LOOK_MS);
    },
    followWoken: async () => {
      for (const batchId of await followState.takeWoken()) await followFrom(runsQueue, batchId, Date.now());
    },
    depthSeconds: config.SCHED_DEPTH_SECONDS,
    lowAgingMs: config.SCHED_LOW_AGING_MS,
    highShare: config.SCHED_HIGH_SHARE,
    tickMs: config.SCHED_TICK_MS,
    logger,
    tracing,
    traces,
  });
  const { chunks, invokers, runs } = jobConsumers({
    config,
    logger,
    metrics,
    connection,
    prefix,
    dispatcher,
    chunkJob,
    follower,
    invokerDeps: {
      redis,
      keys: store.keys,
      reads: store.reads,
      transitions: store.transitions,
      router,
      metrics,
      logger,
    },
    tracing,
    traces,
  });
  const deliveries = config.WEBHOOK_SIGNING_SECRET
    ? webhookConsumer(
        config.QUEUE_NAME,
        connection,
        {
          secret: config.WEBHOOK_SIGNING_SECRET,
          callerSecrets: config.callerSecrets,
          allowedHosts: config.WEBHOOK_ALLOWED_HOSTS,
          timeoutMs: config.WEBHOOK_TIMEOUT_MS,
          retry: {
            baseMs: config.WEBHOOK_RETRY_BASE_MS,
            maxMs: config.WEBHOOK_RETRY_MAX_MS,
            jitter: "none",
            maxAttempts: Number.POSITIVE_INFINITY,
            giveUpAfterMs: config.WEBHOOK_GIVE_UP_MS,
          },
        },
        metrics,
        logger,
      )
    : undefined;
  let mover: { close(): Promise<void> } | undefined;
  let reconciler: { close(): Promise<void> } | undefined;
  const retention = new RetentionSweep(redis, config.QUEUE_NAME, config.BATCH_RETENTION, store.reads);
  const health = createHealthServer({
    registry: metrics.registry,
    ready: () => redisAnswers(() => redis.ping()),
    notReadyReason: "redis unreachable",
  });

  return {
    metrics,
    async start() {
      // Before any job: a Redis that evicts would delete batches behind everyone's back.
      await checkEvictionPolicy(redis, config.REDIS_ALLOW_EVICTION);
      await router.checkSendHold();
      const url = await listen(health, config.PORT, config.HOST);
      const accounts = router.accountRates();
      await publishCallRate(redis, store.keys, "CreateInvoker", Math.max(...accounts.values()));
      await publishAccounts(redis, store.keys, accounts);
      for (const c of [chunks, invokers, runs, deliveries]) c?.start();
      dispatcher.start();
      mover = startOutboxMover({
        redis,
        keys: store.keys,
        reads: store.reads,
        runs: new RunReads(redis, config.QUEUE_NAME),
        webhooks,
        logger,
      });
      reconciler = startReconcilerLoop({
        redis,
        store,
        intervalMs: config.RECONCILE_INTERVAL_MS,
        passDeadlineMs: config.RECONCILE_PASS_DEADLINE_MS,
        metrics,
        logger,
        retention: {
          sweep: () => retention.sweep(),
          intervalMs: config.RETENTION_SWEEP_INTERVAL_MS,
          refollow: (batchId) => followFrom(runsQueue, batchId, Date.now()),
        },
      });
      return url;
    },
    close: once(async () => {
      loss.release();
      router.stopWaiting();
      await dispatcher.close();
      await Promise.all([chunks, invokers, runs, deliveries].map((c) => c?.close(config.WORKER_GRACE_MS)));
      await mover?.close();
      await reconciler?.close();
      await Promise.all([store.close(), webhooks.close(), runsQueue.close(), retention.close()]);
      router.close();
      await closeServer(health);
      redis.disconnect();
    }),
  };
}
