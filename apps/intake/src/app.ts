import { createServer, type Server } from "node:http";
import { installedBullmqVersion, openBatches, publishedCallRate } from "@tat-bulk/batches";
import { once } from "@tat-bulk/config";
import { closeServer, listen, type ServiceApp } from "@tat-bulk/metrics";
import { TAT_CALLS_PER_SECOND } from "@tat-bulk/tat-api";
import { Redis } from "ioredis";
import type { Logger } from "pino";
import type { IntakeConfig } from "./env.js";
import { createHttpApp } from "./http-app.js";
import { createIntakeMetrics, type IntakeMetrics } from "./metrics.js";
import type { BatchServices } from "./routes/index.js";

/** start: listens on the configured port. close: stops taking requests, lets those in flight finish, closes the queue and Redis. */
export type IntakeApp = ServiceApp<IntakeMetrics>;

export interface IntakeOptions {
  /** The clock validation reads ("is InvokeTime in the past?"); tests move it. */
  now?: () => Date;
}

export function createIntakeApp(
  config: IntakeConfig,
  logger: Logger,
  options: IntakeOptions = {},
): IntakeApp {
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3 });
  redis.on("error", (error) => logger.warn({ err: error.message }, "redis error"));
  const metrics = createIntakeMetrics(
    () => store.queue,
    () => redis.ping(),
  );
  const store = openBatches(redis, config.QUEUE_NAME, {
    log: logger,
    onFallback: (reason) => {
      metrics.enqueueFastPath.set(0);
      logger.warn({ reason }, "enqueue: Queue.addBulk from now on");
    },
  });
  store.queue.on("error", (error) => logger.warn({ err: error.message }, "queue error"));
  metrics.enqueueFastPath.set(store.jobs.fast ? 1 : 0);
  logger.info(
    { bullmq: installedBullmqVersion(), path: store.jobs.fast ? "looped addStandardJob" : "Queue.addBulk" },
    "enqueue path",
  );
  const batches: BatchServices = {
    reads: store.reads,
    writer: store.writer,
    cancel: store.cancel,
    retry: store.retry,
    invokerAction: store.invokerAction,
    backlog: async () => {
      const counts = await store.queue.getJobCounts("waiting", "active", "delayed", "prioritized");
      return Object.values(counts).reduce((a, b) => a + b, 0);
    },
    callRate: async () =>
      (await publishedCallRate(redis, store.keys, "CreateInvoker")) ?? TAT_CALLS_PER_SECOND,
  };
  const app = createHttpApp({
    batches,
    metrics,
    health: {
      registry: metrics.registry,
      ready: () => redis.ping().then(() => true),
      notReadyReason: "redis unreachable",
    },
    logger,
    apiKeys: config.INTAKE_API_KEYS,
    defaultRegion: config.TAT_REGION,
    webhookHosts: config.WEBHOOK_ALLOWED_HOSTS,
    bodyLimit: config.INTAKE_BODY_LIMIT,
    now: options.now ?? (() => new Date()),
  });
  let server: Server | undefined;
  return {
    metrics,
    start() {
      server = createServer(app);
      return listen(server, config.PORT, config.HOST);
    },
    close: once(async () => {
      if (server) await closeServer(server);
      await store.close();
      redis.disconnect();
    }),
  };
}
