import type { RedisKeys } from "@tat-bulk/batches";
import { asNumber, LuaScript, type RedisClient } from "@tat-bulk/redis";

const STAMP = LuaScript.fromFile(
  new URL("../lua/stamp-expiry.lua", import.meta.url),
  3,
  (reply) => asNumber("stamp-expiry", reply) === 1,
);

/** Gives a finished batch its expiry (the batch's ExpiresAt), in one step with its place in `expiring`. */
export function stampExpiry(
  redis: RedisClient,
  keys: RedisKeys,
  batchId: string,
  expiresAtMs: number,
): Promise<boolean> {
  return STAMP.run(redis, [keys.batch(batchId), keys.unfinished, keys.expiring], [batchId, expiresAtMs]);
}
