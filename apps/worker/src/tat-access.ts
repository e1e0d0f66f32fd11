import { RATE_LIMIT_KEY_PREFIX, SharedRateLimiter } from "@tat-bulk/rate-limit";
import type { RedisClient } from "@tat-bulk/redis";
import { parseEndpoint, TatClient } from "@tat-bulk/tat-client";
import type { WorkerConfig } from "./env.js";
import { RateLimitedTat } from "./rate-limited-tat.js";
import type { WorkerMetrics } from "./worker-metrics.js";

/** The official SDK's client behind the shared rate limits: every TAT call a worker makes goes here. */
export function createTatAccess(config: WorkerConfig, redis: RedisClient, metrics: WorkerMetrics) {
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
  // Tencent Cloud counts per action + access region (the endpoint) + account; never the secret itself.
  const account = config.TAT_ACCOUNT ?? config.TENCENTCLOUD_SECRET_ID;
  const limitOf = (action: string) => config.TAT_RATE_LIMITS.get(action) ?? config.TAT_RATE_LIMIT;
  const tat = new RateLimitedTat(
    client,
    limiter,
    metrics,
    `${parseEndpoint(config.TAT_ENDPOINT).host}|${account}`,
    limitOf,
  );
  return {
    tat,
    /** Waiters for a slot give up at once (their jobs go back); calls already sent finish. */
    stopWaiting: () => limiter.close(),
    close: () => client.close(),
  };
}
