import { closeOnSignals, loadConfigOrExit, startOrExit, warnIfRuntimeEndOfLife } from "@tat-bulk/config";
import { pino } from "pino";
import { createIntakeApp } from "./app.js";
import { loadIntakeConfig } from "./env.js";

const config = loadConfigOrExit("intake", loadIntakeConfig, process.env);
const logger = pino({ level: config.LOG_LEVEL, base: { app: "intake" } });
warnIfRuntimeEndOfLife(logger);
const app = createIntakeApp(config, logger, { onRedisLost: () => process.exit(1) });
const url = await startOrExit("intake", app, logger);
// Signals are handled before the ready line: whoever reads it may stop the process at once.
closeOnSignals("intake", app.close, logger);
logger.info({ url, queue: config.QUEUE_NAME }, "intake listening");
