import { createServer, type Server } from "node:http";
import { DeadLetters, openBatches, publishedAccounts, publishedCallRate } from "@tat-bulk/batches";
import { AuditTally, AuditTrail, CallerRegistry } from "@tat-bulk/callers";
import { once } from "@tat-bulk/config";
import { closeServer, listen, redisAnswers, type ServiceApp } from "@tat-bulk/metrics";
import { CircuitBreakers, RATE_LIMIT_KEY_PREFIX, SharedRateLimiter } from "@tat-bulk/rate-limit";
import {
  checkEvictionPolicy,
  connectedReplicas,
  createRedisClient,
  redisMemory,
  redisSettingsOf,
  watchForLoss,
  whenReady,
} from "@tat-bulk/redis";
import { BatchPurge, BatchQuiet } from "@tat-bulk/retention";
import { RunReads, RunStore } from "@tat-bulk/runs";
import { TAT_CALLS_PER_SECOND } from "@tat-bulk/tat-api";
import { TRACING_OFF, type Tracing } from "@tat-bulk/tracing";
import type { Logger } from "pino";
import { SourceGuard } from "./callers/source-guard.js";
import type { IntakeConfig } from "./env.js";
import { createHttpApp } from "./http-app.js";
import { createIntakeMetrics, type IntakeMetrics } from "./metrics.js";
import { RedisGuard } from "./redis-guard.js";
import type { BatchServices } from "./routes/index.js";

const REDIS_START_WAIT_MS = 5000;
/** How often counted audit entries (reads, refused keys, 429s) of finished minutes are written. */
const TALLY_FLUSH_MS = 5000;

/** start: listens on the configured port. close: stops taking requests, lets those in flight finish, closes the queue and Redis. */
export type IntakeApp = ServiceApp<IntakeMetrics>;

export interface IntakeOptions {
  /** The clock validation reads ("is InvokeTime in the past?"); tests move it. */
  now?: () => Date;
  /** The Redis client gave up for good (see watchForLoss): main.ts exits, to be restarted. */
  onRedisLost?: () => void;
  /** Started by main.ts from the OTEL_* settings; off by default. */
  tracing?: Tracing;
}

export function createIntakeApp(
  config: IntakeConfig,
  logger: Logger,
  options: IntakeOptions = {},
): IntakeApp {
  // Fail fast while Redis is unreachable: the caller gets 503 with Retry-After at once, and a
  // command cut off mid-flight is not resent into a batch write that was already given up.
  const redis = createRedisClient(redisSettingsOf(config), {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
  });
  redis.on("error", (error) => logger.warn({ err: error.message }, "redis error"));
  const loss = watchForLoss(redis, () => {
    logger.error("redis client closed for good; the intake cannot go on");
    options.onRedisLost?.();
  });
  const metrics = createIntakeMetrics(
    () => store.queue,
    () => redis.ping(),
    () => store.waitingChunks(),
    () => redisMemory(redis),
    () => deadLetters.counts(),
  );
  const deadLetters = new DeadLetters(redis, config.QUEUE_NAME);
  const store = openBatches(redis, config.QUEUE_NAME, {
    log: logger,
    retentionMs: config.BATCH_RETENTION,
    replicas: { min: config.INTAKE_MIN_REPLICAS, timeoutMs: config.INTAKE_REPLICA_TIMEOUT_MS },
  });
  const guard = new RedisGuard(
    async () => ({
      memory: await redisMemory(redis),
      replicas: config.INTAKE_MIN_REPLICAS > 0 ? await connectedReplicas(redis) : 0,
    }),
    {
      watermark: config.INTAKE_MEMORY_WATERMARK,
      allowEviction: config.REDIS_ALLOW_EVICTION,
      minReplicas: config.INTAKE_MIN_REPLICAS,
    },
    logger,
  );
  const runs = new RunReads(redis, config.QUEUE_NAME);
  const runStore = new RunStore(redis, config.QUEUE_NAME);
  const quiet = new BatchQuiet({
    redis,
    keys: store.keys,
    namespace: config.QUEUE_NAME,
    reads: store.reads,
    runs,
    runStore,
  });
  const purger = new BatchPurge(redis, config.QUEUE_NAME);
  store.queue.on("error", (error) => logger.warn({ err: error.message }, "queue error"));
  const batches: BatchServices = {
    reads: store.reads,
    writer: store.writer,
    cancel: store.cancel,
    retry: store.retry,
    invokerAction: store.invokerAction,
    backlog: async () => {
      const counts = await store.queue.getJobCounts("waiting", "active", "delayed", "prioritized");
      return Object.values(counts).reduce((a, b) => a + b, await store.waitingChunks());
    },
    accounts: () => publishedAccounts(redis, store.keys),
    callRate: async () =>
      (await publishedCallRate(redis, store.keys, "CreateInvoker")) ?? TAT_CALLS_PER_SECOND,
    runs,
    runStore,
    retention: {
      check: (batchId) => quiet.check(batchId),
      purge: (batchId) => purger.purge(batchId, "now"),
    },
    paused: async () => {
      const open = (await CircuitBreakers.states(redis)).filter((state) => state.open);
      const since = Math.min(...open.map((state) => state.since ?? Date.now()));
      return open.length ? { Reason: "TAT unavailable", Since: new Date(since).toISOString() } : undefined;
    },
  };
  const limiter = new SharedRateLimiter({
    redis,
    keyPrefix: RATE_LIMIT_KEY_PREFIX,
    limit: config.INTAKE_CALLER_REQUESTS_PER_SECOND,
    windowMs: 1000,
    penaltyMs: 0,
  });
  const audit = new AuditTrail(redis, store.keys.audit, {
    retentionMs: config.AUDIT_RETENTION_DAYS * 86_400_000,
    maxEntries: config.AUDIT_MAX_ENTRIES,
  });
  const tally = new AuditTally(config.AUDIT_COUNT_WINDOW_MS);
  const app = createHttpApp({
    batches,
    metrics,
    registry: new CallerRegistry(config.callers),
    audit,
    deadLetters,
    tally,
    guard: new SourceGuard(config.INTAKE_AUTH_FAILURES_PER_MINUTE),
    callerLimit: {
      limiter,
      namespace: config.QUEUE_NAME,
      perSecond: config.INTAKE_CALLER_REQUESTS_PER_SECOND,
    },
    quota: { redis, keys: store.keys, metrics },
    memoryGate: guard.gate(),
    health: {
      registry: metrics.registry,
      ready: () => redisAnswers(() => redis.ping()),
      notReadyReason: "redis unreachable",
    },
    logger,
    defaultRegion: config.TAT_REGION,
    webhookHosts: config.WEBHOOK_ALLOWED_HOSTS,
    bodyLimit: config.INTAKE_BODY_LIMIT,
    consoleDir: config.INTAKE_CONSOLE_DIR,
    consoleTraceUrl: config.CONSOLE_TRACE_URL,
    tracing: options.tracing ?? TRACING_OFF,
    now: options.now ?? (() => new Date()),
  });
  for (const caller of config.callers) {
    if (
      caller.Scopes.some((scope) => scope === "batches:write" || scope === "admin") &&
      caller.AllowedCommandIds.length === 0
    ) {
      // Fail closed, and say so: an allow-list left out of the callers file allows nothing.
      logger.warn(
        { caller: caller.Name },
        'caller has no AllowedCommandIds: it can submit nothing (write ["*"] to allow every command)',
      );
    }
  }
  let server: Server | undefined;
  // Counted entries are written once their minute is over; the age trim runs beside.
  const writeTally = (everything = false) =>
    audit
      .appendAll(tally.take(Date.now(), everything))
      .catch((error: unknown) => logger.warn({ err: (error as Error).message }, "audit counts not written"));
  let ticks = 0;
  const tallyTimer = setInterval(
    () => {
      void writeTally();
      if (++ticks % 12 === 0) audit.trim().catch(() => undefined);
    },
    Math.min(TALLY_FLUSH_MS, config.AUDIT_COUNT_WINDOW_MS / 2),
  );
  tallyTimer.unref();
  return {
    metrics,
    async start() {
      // Answers before Redis is connected would all be 503: give the connection a moment first.
      if (!(await whenReady(redis, REDIS_START_WAIT_MS))) {
        logger.warn({ waitedMs: REDIS_START_WAIT_MS }, "Redis not reachable yet; serving 503 until it is");
      } else {
        // A Redis that evicts would delete batches behind everyone's back (RedisGuard refuses
        // new work if it starts to later).
        await checkEvictionPolicy(redis, config.REDIS_ALLOW_EVICTION);
      }
      guard.start();
      server = createServer(app);
      return listen(server, config.PORT, config.HOST);
    },
    close: once(async () => {
      loss.release();
      if (server) await closeServer(server);
      clearInterval(tallyTimer);
      guard.close();
      await writeTally(true);
      await Promise.all([store.close(), quiet.close(), purger.close(), deadLetters.close()]);
      redis.disconnect();
    }),
  };
}
