import { closeOnSignals, loadConfigOrExit, startOrExit, warnIfRuntimeEndOfLife } from "@tat-bulk/config";
import { startTracing } from "@tat-bulk/tracing";
import { pino } from "pino";
import { createIntakeApp } from "./app.js";
import { loadIntakeConfig } from "./env.js";

const config = loadConfigOrExit("intake", loadIntakeConfig, process.env);
// Before anything is traced; off (nothing of OpenTelemetry loaded) unless an OTLP endpoint is set.
const tracing = await startTracing(config);
const logger = pino({
  level: config.LOG_LEVEL,
  base: { app: "intake" },
  ...(tracing.enabled ? { mixin: () => tracing.ids() ?? {} } : {}),
});
warnIfRuntimeEndOfLife(logger);
const app = createIntakeApp(config, logger, { onRedisLost: () => process.exit(1), tracing });
const url = await startOrExit("intake", app, logger);
// Signals are handled before the ready line: whoever reads it may stop the process at once.
// The spans of the last requests are exported once the app is closed.
closeOnSignals(
  "intake",
  async () => {
    await app.close();
    await tracing.shutdown();
  },
  logger,
);
logger.info({ url, queue: config.QUEUE_NAME, tracing: tracing.enabled }, "intake listening");
