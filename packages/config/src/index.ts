export { z } from "zod";
export { appCommand } from "./app-command.js";
export * from "./env-fields.js";
export { loadConfigOrExit } from "./load-or-exit.js";
export * from "./parse-env.js";
export * from "./process-lifecycle.js";
export * from "./runtime-support.js";
export * from "./simulator-credentials.js";
