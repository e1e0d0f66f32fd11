import { batchScript, type RedisKeys } from "@tat-bulk/batches";
import { asNumber, type RedisClient } from "@tat-bulk/redis";

const STAMP = batchScript(
  new URL("../lua/stamp-expiry.lua", import.meta.url),
  2,
  (reply) => asNumber("stamp-expiry", reply) === 1,
);

/**
 * Stamps when a finished batch became finished (`quietAt`), in one step with its place in `expiring`
 * (scored by it): it expires BATCH_RETENTION later, so that a changed retention applies to every
 * batch at once.
 */
export function stampFinished(
  redis: RedisClient,
  keys: RedisKeys,
  batchId: string,
  sinceMs: number,
): Promise<boolean> {
  return STAMP.run(redis, [keys.batch(batchId), keys.expiring], [batchId, sinceMs]);
}
