/** Every key tat-bulk writes, under one namespace per queue so that tests and deployments never share state. */
export function redisKeys(namespace: string) {
  const root = `tat-bulk:${namespace}`;
  return {
    batch: (id: string) => `${root}:batch:${id}`,
    chunks: (id: string) => `${root}:batch:${id}:chunks`,
    batchIndex: `${root}:batches`,
    idempotency: (key: string) => `${root}:idem:${key}`,
    rateLimit: (bucket: string) => `${root}:rate:${bucket}`,
  };
}
export type RedisKeys = ReturnType<typeof redisKeys>;
