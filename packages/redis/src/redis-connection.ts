import { Cluster, type ClusterOptions, Redis, type RedisOptions } from "ioredis";
import type { RedisClient } from "./lua-script.js";

/** Where Redis is: one server (`url`), or a Redis Cluster reached through some of its nodes. */
export interface RedisSettings {
  url: string;
  /** `host:port` of cluster nodes; empty: a single server at `url`. */
  clusterNodes: readonly string[];
}

/**
 * A client for the configured Redis, single or Cluster, with the same options. On a cluster every
 * key tat-bulk writes for one queue namespace carries the same hash tag (`{<namespace>}`), so each
 * Lua script's keys, and BullMQ's, share one slot.
 */
export function createRedisClient(settings: RedisSettings, options: RedisOptions = {}): RedisClient {
  if (settings.clusterNodes.length === 0) return new Redis(settings.url, options);
  const { enableOfflineQueue, maxRetriesPerRequest, ...redisOptions } = options;
  const clusterOptions: ClusterOptions = {
    redisOptions: {
      ...redisOptions,
      ...(maxRetriesPerRequest !== undefined ? { maxRetriesPerRequest } : {}),
    },
    ...(enableOfflineQueue !== undefined ? { enableOfflineQueue } : {}),
  };
  return new Cluster(
    settings.clusterNodes.map((node) => {
      const [host = "127.0.0.1", port = "6379"] = node.split(":");
      return { host, port: Number(port) };
    }),
    clusterOptions,
  );
}

/** BullMQ's key prefix for a namespace's queues: hash-tagged like tat-bulk's own keys. */
export const bullPrefix = (namespace: string) => `bull:{${namespace}}`;
