import { closeOnSignals, loadConfigOrExit, startOrExit, warnIfRuntimeEndOfLife } from "@tat-bulk/config";
import { startTracing } from "@tat-bulk/tracing";
import { pino } from "pino";
import { createWorkerApp } from "./app.js";
import { loadWorkerConfig } from "./env.js";

const config = loadConfigOrExit("worker", loadWorkerConfig, process.env);
// Before anything is traced; off (nothing of OpenTelemetry loaded) unless an OTLP endpoint is set.
const tracing = await startTracing(config);
const logger = pino({
  level: config.LOG_LEVEL,
  base: { app: "worker", pid: process.pid },
  ...(tracing.enabled ? { mixin: () => tracing.ids() ?? {} } : {}),
});
warnIfRuntimeEndOfLife(logger);
const app = createWorkerApp(config, logger, { onRedisLost: () => process.exit(1), tracing });
const url = await startOrExit("worker", app, logger);
// Signals are handled before the ready line: whoever reads it may stop the process at once.
// In-flight calls get their grace period; closing the connections after it gets a little more,
// and the spans of the last jobs are exported once the app is closed.
closeOnSignals(
  "worker",
  async () => {
    await app.close();
    await tracing.shutdown();
  },
  logger,
  config.WORKER_GRACE_MS + 10_000,
);
logger.info(
  {
    health: url,
    endpoint: config.TAT_ENDPOINT,
    rateLimit: config.TAT_RATE_LIMIT,
    concurrency: config.WORKER_CONCURRENCY,
    tracing: tracing.enabled,
  },
  "worker running",
);
