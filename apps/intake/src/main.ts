import type { AddressInfo } from "node:net";
import { BatchStore } from "@tat-bulk/batches";
import { loadConfigOrExit } from "@tat-bulk/config";
import { Redis } from "ioredis";
import { pino } from "pino";
import { createApp } from "./app.js";
import { loadIntakeConfig } from "./env.js";
import { createIntakeMetrics } from "./metrics.js";

const config = loadConfigOrExit("intake", loadIntakeConfig, process.env);
const logger = pino({ level: config.LOG_LEVEL, base: { app: "intake" } });
const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3 });
redis.on("error", (error) => logger.warn({ err: error.message }, "redis error"));
const store = new BatchStore(redis, config.QUEUE_NAME);
const queue = store.queue;
queue.on("error", (error) => logger.warn({ err: error.message }, "queue error"));
const metrics = createIntakeMetrics(queue, () => redis.ping());

const app = createApp({
  redis,
  store,
  metrics,
  logger,
  apiKeys: config.INTAKE_API_KEYS,
  defaultRegion: config.TAT_REGION,
  rateLimit: config.TAT_RATE_LIMIT,
  bodyLimit: config.INTAKE_BODY_LIMIT,
});
const server = app.listen(config.PORT, config.HOST, () => {
  const { port } = server.address() as AddressInfo;
  const host = config.HOST === "0.0.0.0" ? "127.0.0.1" : config.HOST;
  logger.info({ url: `http://${host}:${port}`, queue: config.QUEUE_NAME }, "intake listening");
});

let closing: Promise<void> | undefined;
function close(signal: string): Promise<void> {
  closing ??= (async () => {
    logger.info({ signal }, "intake stopping");
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await queue.close();
    redis.disconnect();
  })();
  return closing;
}
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    close(signal).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
