export type { RequestTiming } from "./request-timing.js";
export * from "./tat-client.js";
