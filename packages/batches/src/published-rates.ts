import type { RedisClient } from "@tat-bulk/redis";
import type { RedisKeys } from "./keys.js";

/**
 * The workers say in Redis at what rate they call each action, so that whatever estimates a drain
 * time (the intake's EstimatedCompletionAt) uses the rate the workers really run at, not a setting
 * of its own that can drift from theirs.
 */
export async function publishCallRate(
  redis: RedisClient,
  keys: RedisKeys,
  action: string,
  perSecond: number,
): Promise<void> {
  await redis.hset(keys.publishedRates, action, String(perSecond));
}

/** The rate the workers published for an action, or undefined when no worker has said yet. */
export async function publishedCallRate(
  redis: RedisClient,
  keys: RedisKeys,
  action: string,
): Promise<number | undefined> {
  const value = Number(await redis.hget(keys.publishedRates, action));
  return value > 0 ? value : undefined;
}
