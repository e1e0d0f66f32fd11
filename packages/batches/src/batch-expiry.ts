import type { RedisClient } from "@tat-bulk/redis";
import { BATCH_FIELD as B } from "./batch-hash.js";
import type { RedisKeys } from "./keys.js";

type Multi = ReturnType<RedisClient["multi"]>;

/**
 * A batch reopened (a retry, an invoker action, a rerun) is no longer finished: its expiry goes
 * (packages/retention stamps it again once it is finished again). Added to the reopening write.
 */
export function unstampExpiry(multi: Multi, keys: RedisKeys, batchId: string): Multi {
  return multi.hdel(keys.batch(batchId), B.quietAt).zrem(keys.expiring, batchId);
}
