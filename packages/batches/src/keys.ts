/** Every batch key tat-bulk writes, under one namespace per queue so that tests and deployments never share batches. */
export function redisKeys(namespace: string) {
  const root = `tat-bulk:${namespace}`;
  return {
    batch: (id: string) => `${root}:batch:${id}`,
    chunks: (id: string) => `${root}:batch:${id}:chunks`,
    batchIndex: `${root}:batches`,
    idempotency: (key: string) => `${root}:idem:${key}`,
    /** Events waiting to become webhook deliveries (appended by the scripts, moved by workers). */
    outbox: `${root}:outbox`,
    /** Calls per second the workers run each action at, as they published it. */
    publishedRates: `${root}:rates`,
  };
}
export type RedisKeys = ReturnType<typeof redisKeys>;
