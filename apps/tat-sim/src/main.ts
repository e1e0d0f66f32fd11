import { closeOnSignals, loadConfigOrExit, warnIfRuntimeEndOfLife } from "@tat-bulk/config";
import { pino } from "pino";
import { createSimulator } from "./app.js";
import { loadSimConfig } from "./env.js";

const config = loadConfigOrExit("tat-sim", loadSimConfig, process.env);
const logger = pino({ level: config.LOG_LEVEL, base: { app: "tat-sim" } });
warnIfRuntimeEndOfLife(logger);
const simulator = createSimulator(config, logger);
const url = await simulator.listen(config.PORT, config.HOST);
// Signals are handled before the ready line: whoever reads it may stop the process at once.
closeOnSignals("tat-sim", simulator.close, logger);
logger.info(
  {
    url,
    window: config.TAT_SIM_RATE_WINDOW,
    limit: config.TAT_SIM_RATE_LIMIT,
    world: config.TAT_SIM_WORLD ?? "open",
  },
  "tat-sim listening",
);
