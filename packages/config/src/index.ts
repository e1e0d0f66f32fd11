export { z } from "zod";
export { appCommand } from "./app-command.js";
export { envField, listenEnv, serviceEnv, tatActionRatesField, tatRateLimitField } from "./env-fields.js";
export { loadConfigOrExit } from "./load-or-exit.js";
export { ConfigError, parseEnv } from "./parse-env.js";
export { closeOnSignals, once, startOrExit } from "./process-lifecycle.js";
export { warnIfRuntimeEndOfLife } from "./runtime-support.js";
export { SIMULATOR_CREDENTIALS } from "./simulator-credentials.js";
export { tracingEnv } from "./tracing-env.js";
