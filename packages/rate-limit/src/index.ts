export * from "./sliding-log-limiter.js";
