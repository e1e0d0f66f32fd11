import type { RedisClient } from "@tat-bulk/redis";
import { DEFAULT_ACCOUNT } from "@tat-bulk/tat-api";
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

/**
 * The workers publish the TAT accounts they hold (names only, never a secret) with each one's
 * CreateInvoker rate, so the intake refuses a batch that names another.
 */
export async function publishAccounts(
  redis: RedisClient,
  keys: RedisKeys,
  accounts: ReadonlyMap<string, number>,
): Promise<void> {
  if (accounts.size > 0) await redis.hset(keys.publishedAccounts, Object.fromEntries(accounts));
}

/** The account names the workers published; none yet: the one-account shorthand's "default". */
export async function publishedAccounts(redis: RedisClient, keys: RedisKeys): Promise<Set<string>> {
  const names = await redis.hkeys(keys.publishedAccounts);
  return new Set(names.length > 0 ? names : [DEFAULT_ACCOUNT]);
}
