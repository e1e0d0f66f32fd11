import { createHash } from "node:crypto";
import { CircuitBreakers, RATE_LIMIT_KEY_PREFIX, SharedRateLimiter } from "@tat-bulk/rate-limit";
import type { RedisClient } from "@tat-bulk/redis";
import { parseEndpoint, TatClient } from "@tat-bulk/tat-client";
import type { Logger } from "pino";
import type { WorkerConfig } from "./env.js";
import { RateLimitedTat } from "./rate-limited-tat.js";
import type { WorkerMetrics } from "./worker-metrics.js";

/**
 * Who Tencent Cloud counts the rate limit against: TAT_ACCOUNT, else the SecretId; only a digest of
 * it reaches Redis keys, metrics and logs.
 */
export function accountLabel(config: Pick<WorkerConfig, "TAT_ACCOUNT" | "TENCENTCLOUD_SECRET_ID">): string {
  if (config.TAT_ACCOUNT) return config.TAT_ACCOUNT;
  return `key-${createHash("sha256").update(config.TENCENTCLOUD_SECRET_ID).digest("hex").slice(0, 12)}`;
}

/** The official SDK's client behind the shared rate limits and circuit breakers: every TAT call a worker makes goes here. */
export function createTatAccess(
  config: WorkerConfig,
  redis: RedisClient,
  metrics: WorkerMetrics,
  logger: Logger,
) {
  const client = new TatClient({
    endpoint: config.TAT_ENDPOINT,
    secretId: config.TENCENTCLOUD_SECRET_ID,
    secretKey: config.TENCENTCLOUD_SECRET_KEY,
    timeoutMs: config.TAT_TIMEOUT_MS,
    ...(config.TENCENTCLOUD_SESSION_TOKEN ? { sessionToken: config.TENCENTCLOUD_SESSION_TOKEN } : {}),
  });
  const limiter = new SharedRateLimiter({
    redis,
    keyPrefix: RATE_LIMIT_KEY_PREFIX,
    limit: config.TAT_RATE_LIMIT,
    windowMs: 1000 + config.TAT_RATE_MARGIN_MS,
    penaltyMs: config.TAT_RATE_PENALTY_MS,
  });
  const breakers = new CircuitBreakers(redis, {
    consecutive: config.TAT_BREAKER_CONSECUTIVE,
    failures: config.TAT_BREAKER_FAILURES,
    window: config.TAT_BREAKER_WINDOW,
    firstProbeMs: config.TAT_BREAKER_PROBE_MS,
    probeCapMs: config.TAT_BREAKER_PROBE_MAX_MS,
    // A probe whose worker died mid-call gives way once its call would have timed out.
    probeLeaseMs: config.TAT_TIMEOUT_MS + 1000,
  });
  // Tencent Cloud counts per action + access region (the endpoint) + account.
  const tat = new RateLimitedTat({
    client,
    limiter,
    breakers,
    metrics,
    logger,
    group: `${parseEndpoint(config.TAT_ENDPOINT).host}|${accountLabel(config)}`,
    limitOf: (action) => config.TAT_RATE_LIMITS.get(action) ?? config.TAT_RATE_LIMIT,
  });
  return {
    tat,
    /** Waiters for a slot or for TAT to come back give up at once (their jobs go back); calls already sent finish. */
    stopWaiting: () => {
      limiter.close();
      breakers.close();
    },
    close: () => client.close(),
  };
}
