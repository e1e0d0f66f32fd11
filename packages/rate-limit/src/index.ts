export { BreakerClosedError, type BucketRef, type BucketState, CircuitBreakers } from "./circuit-breakers.js";
export { abortable } from "./serial-per-key.js";
export { LimiterClosedError, SharedRateLimiter } from "./shared-rate-limiter.js";
export { waitUntil } from "./wait-until.js";

/**
 * Rate-limit buckets are not per queue: TAT counts per action + region + account, so two queues
 * (or deployments) on one Redis that call the same endpoint with the same account share one budget.
 */
export const RATE_LIMIT_KEY_PREFIX = "tat-bulk:rate:";
