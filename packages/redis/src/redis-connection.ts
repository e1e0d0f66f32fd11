import { Cluster, type ClusterOptions, Redis, type RedisOptions } from "ioredis";
import type { RedisClient } from "./lua-script.js";

/**
 * Where Redis is: one server (`url`), a Redis Cluster reached through some of its nodes, or a
 * primary that Sentinels watch (and move on a failover). The settings allow only one of the three.
 */
export interface RedisSettings {
  url: string;
  /** `host:port` of cluster nodes; empty: not a cluster. */
  clusterNodes: readonly string[];
  /** `host:port` of Sentinels; empty: no Sentinel. */
  sentinels?: readonly string[];
  /** The primary's name in the Sentinels' configuration. */
  sentinelName?: string | undefined;
}

/** The settings every app reads, as RedisSettings. */
export function redisSettingsOf(config: {
  REDIS_URL: string;
  REDIS_CLUSTER_NODES: readonly string[];
  REDIS_SENTINELS: readonly string[];
  REDIS_SENTINEL_NAME?: string | undefined;
}): RedisSettings {
  return {
    url: config.REDIS_URL,
    clusterNodes: config.REDIS_CLUSTER_NODES,
    sentinels: config.REDIS_SENTINELS,
    sentinelName: config.REDIS_SENTINEL_NAME,
  };
}

const hostPort = (node: string) => {
  const [host = "127.0.0.1", port = "6379"] = node.split(":");
  return { host, port: Number(port) };
};

/**
 * A client for the configured Redis, single, Cluster or behind Sentinels, with the same options.
 * On a cluster every key tat-bulk writes for one queue namespace carries the same hash tag
 * (`{<namespace>}`), so each Lua script's keys, and BullMQ's, share one slot. Behind Sentinels the
 * client asks them for the primary at every (re)connection; a command that reaches a former primary
 * now a replica (READONLY) reconnects and is sent again. ioredis' failover detector stays off: its
 * news arriving while the client asks a Sentinel ends the client for good (ioredis 5.11,
 * test/sentinel-failover.test.ts).
 */
export function createRedisClient(settings: RedisSettings, options: RedisOptions = {}): RedisClient {
  const sentinels = settings.sentinels ?? [];
  if (sentinels.length > 0) {
    return new Redis({
      ...options,
      sentinels: sentinels.map(hostPort),
      name: settings.sentinelName ?? "mymaster",
      failoverDetector: false,
      reconnectOnError: (error) => (error.message.startsWith("READONLY") ? 2 : false),
    });
  }
  if (settings.clusterNodes.length === 0) return new Redis(settings.url, options);
  const { enableOfflineQueue, maxRetriesPerRequest, ...redisOptions } = options;
  const clusterOptions: ClusterOptions = {
    redisOptions: {
      ...redisOptions,
      ...(maxRetriesPerRequest !== undefined ? { maxRetriesPerRequest } : {}),
    },
    ...(enableOfflineQueue !== undefined ? { enableOfflineQueue } : {}),
  };
  return new Cluster(settings.clusterNodes.map(hostPort), clusterOptions);
}

/** BullMQ's key prefix for a namespace's queues: hash-tagged like tat-bulk's own keys. */
export const bullPrefix = (namespace: string) => `bull:{${namespace}}`;
