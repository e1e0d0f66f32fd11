import type { Redis } from "ioredis";

/**
 * Every Redis key holding a namespace's batch or job state: its `tat-bulk:{<name>}:*` keys and its
 * BullMQ queue's job keys (the events log, id counter, marker and meta say nothing about which jobs
 * exist; the audit trail records refused requests too, by design). Two snapshots compare "did
 * anything get written or left behind".
 */
export async function namespaceKeys(redis: Redis, name: string): Promise<string[]> {
  const ours = (await redis.keys(`tat-bulk:{${name}}:*`)).filter((k) => !k.endsWith(":audit"));
  const jobs = (await redis.keys(`bull:{${name}}:*`)).filter((k) => !/:(events|id|marker|meta)$/.test(k));
  return [...ours, ...jobs].sort();
}
