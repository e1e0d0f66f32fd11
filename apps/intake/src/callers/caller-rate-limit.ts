import type { SharedRateLimiter } from "@tat-bulk/rate-limit";
import type { RequestHandler } from "express";
import { apiError } from "../api-error.js";
import type { IntakeMetrics } from "../metrics.js";

/** A second's worth of requests may come at once after a quiet spell. */
const BURST_MS = 1000;

/**
 * Each caller's requests per second, shared by every intake replica (GCRA in Redis). Over it the
 * answer is 429 RequestLimitExceeded with Retry-After.
 */
export function callerRateLimit(
  limiter: SharedRateLimiter,
  namespace: string,
  perSecond: number,
  metrics: IntakeMetrics,
): RequestHandler {
  return async (req, _res, next) => {
    const { granted, retryAfterMs } = await limiter.tryAcquire(
      `intake:${namespace}:${req.caller.Name}`,
      perSecond,
      BURST_MS,
    );
    if (granted) return next();
    metrics.authFailures.inc({ reason: "rate-limited" });
    next(
      apiError("RequestLimitExceeded", `More than ${perSecond} requests per second from ${req.caller.Name}`, {
        "Retry-After": String(Math.max(1, Math.ceil(retryAfterMs / 1000))),
      }),
    );
  };
}
