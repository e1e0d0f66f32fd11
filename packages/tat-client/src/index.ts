export type { RequestTiming } from "./request-timing.js";
export * from "./send-hold-check.js";
export * from "./tat-client.js";
