/** Every batch key tat-bulk writes, under one namespace per queue so that tests and deployments never share batches. */
export function redisKeys(namespace: string) {
  const root = `tat-bulk:${namespace}`;
  return {
    batch: (id: string) => `${root}:batch:${id}`,
    chunks: (id: string) => `${root}:batch:${id}:chunks`,
    batchIndex: `${root}:batches`,
    idempotency: (key: string) => `${root}:idem:${key}`,
  };
}
export type RedisKeys = ReturnType<typeof redisKeys>;

/**
 * Rate-limit buckets are not per queue: TAT counts per action + region + account, so two queues
 * (or deployments) on one Redis that call the same endpoint with the same account share one budget.
 */
export const RATE_LIMIT_KEY_PREFIX = "tat-bulk:rate:";
