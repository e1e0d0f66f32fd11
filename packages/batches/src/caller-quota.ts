import type { RedisClient } from "@tat-bulk/redis";
import { BATCH_FIELD as B } from "./batch-hash.js";
import { INSTANCE_COUNTER_FIELDS } from "./chunk-tally.js";
import type { RedisKeys } from "./keys.js";

/**
 * Instances of a caller's batches not yet final: each open batch's instances less those that
 * succeeded, failed or were cancelled. Batches found final leave the caller's open set.
 */
export async function instancesInFlight(
  redis: RedisClient,
  keys: RedisKeys,
  caller: string,
): Promise<number> {
  const open = keys.callerOpen(caller);
  const ids = await redis.zrange(open, 0, -1);
  const rows = await Promise.all(
    ids.map((id) =>
      redis.hmget(
        keys.batch(id),
        B.finishedAt,
        B.instanceCount,
        INSTANCE_COUNTER_FIELDS.SUCCEEDED,
        INSTANCE_COUNTER_FIELDS.FAILED,
        INSTANCE_COUNTER_FIELDS.CANCELLED,
      ),
    ),
  );
  let pending = 0;
  const done: string[] = [];
  rows.forEach(([finishedAt, count, succeeded, failed, cancelled], i) => {
    if (finishedAt || count === null) {
      done.push(ids[i] ?? "");
      return;
    }
    pending += Number(count) - Number(succeeded ?? 0) - Number(failed ?? 0) - Number(cancelled ?? 0);
  });
  if (done.length) await redis.zrem(open, ...done);
  return pending;
}
