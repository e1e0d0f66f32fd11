import { Cluster } from "ioredis";
import type { RedisClient } from "./lua-script.js";

/** What Redis says of its memory: bytes used, its limit (0: none) and what it does at the limit. */
export interface RedisMemory {
  usedBytes: number;
  maxBytes: number;
  policy: string;
}

export class RedisEvictionError extends Error {
  override name = "RedisEvictionError";
}

/** `INFO` text's `field:value` lines. */
export function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(":");
    if (at > 0 && !line.startsWith("#")) fields.set(line.slice(0, at), line.slice(at + 1).trim());
  }
  return fields;
}

function memoryOf(info: string): RedisMemory {
  const fields = parseInfo(info);
  return {
    usedBytes: Number(fields.get("used_memory") ?? 0),
    maxBytes: Number(fields.get("maxmemory") ?? 0),
    policy: fields.get("maxmemory_policy") ?? "unknown",
  };
}

const fullness = (m: RedisMemory) => (m.maxBytes > 0 ? m.usedBytes / m.maxBytes : 0);

/**
 * The memory of the Redis the client writes to: on a cluster, its fullest primary (the one that
 * refuses writes first; tat-bulk's keys of a namespace all sit on one), with the policy of any
 * primary that evicts. Read with INFO, which managed Redis services allow where CONFIG is refused.
 */
export async function redisMemory(client: RedisClient): Promise<RedisMemory> {
  if (!(client instanceof Cluster)) return memoryOf(await client.info("memory"));
  // The cluster's nodes are known once it has connected (a first command waits for that).
  if (client.nodes("master").length === 0) await client.ping();
  const nodes = await Promise.all(
    client.nodes("master").map(async (node) => memoryOf(await node.info("memory"))),
  );
  const fullest = nodes.reduce<RedisMemory | undefined>(
    (best, m) => (best === undefined || fullness(m) > fullness(best) ? m : best),
    undefined,
  );
  const evicting = nodes.find((m) => m.policy !== "noeviction");
  if (!fullest) return { usedBytes: 0, maxBytes: 0, policy: "unknown" };
  return { ...fullest, policy: evicting?.policy ?? fullest.policy };
}

/**
 * Refuses a Redis that evicts keys at its memory limit: eviction would silently delete batches,
 * chunk records and jobs, which every promise tat-bulk makes rests on. `allow` (REDIS_ALLOW_EVICTION)
 * lets an operator who knows better start anyway.
 */
export async function checkEvictionPolicy(client: RedisClient, allow: boolean): Promise<RedisMemory> {
  const memory = await redisMemory(client);
  if (memory.policy !== "noeviction" && !allow) {
    throw new RedisEvictionError(
      `Redis maxmemory-policy is ${memory.policy}: tat-bulk needs noeviction (eviction would silently ` +
        "delete batches and jobs). Run `CONFIG SET maxmemory-policy noeviction` (and keep it in redis.conf), " +
        "or set REDIS_ALLOW_EVICTION=true to start anyway.",
    );
  }
  return memory;
}

/** Replicas connected to the client's primary, by INFO replication (no cluster: 0 is not known there). */
export async function connectedReplicas(client: RedisClient): Promise<number> {
  if (client instanceof Cluster) return 0;
  return Number(parseInfo(await client.info("replication")).get("connected_slaves") ?? 0);
}
