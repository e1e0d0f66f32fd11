import { closeOnSignals, loadConfigOrExit, startOrExit, warnIfRuntimeEndOfLife } from "@tat-bulk/config";
import { pino } from "pino";
import { createWorkerApp } from "./app.js";
import { loadWorkerConfig } from "./env.js";

const config = loadConfigOrExit("worker", loadWorkerConfig, process.env);
const logger = pino({ level: config.LOG_LEVEL, base: { app: "worker", pid: process.pid } });
warnIfRuntimeEndOfLife(logger);
const app = createWorkerApp(config, logger, { onRedisLost: () => process.exit(1) });
const url = await startOrExit("worker", app, logger);
// Signals are handled before the ready line: whoever reads it may stop the process at once.
// In-flight calls get their grace period; closing the connections after it gets a little more.
closeOnSignals("worker", app.close, logger, config.WORKER_GRACE_MS + 10_000);
logger.info(
  {
    health: url,
    endpoint: config.TAT_ENDPOINT,
    rateLimit: config.TAT_RATE_LIMIT,
    concurrency: config.WORKER_CONCURRENCY,
  },
  "worker running",
);
