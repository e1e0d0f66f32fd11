export * from "./shared-rate-limiter.js";
