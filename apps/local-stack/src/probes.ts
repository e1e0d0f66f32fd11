import { Redis } from "ioredis";

/** Ready when the service's /readyz answers 200 (the intake and workers: Redis reachable). */
export function httpReady(baseUrl: string): () => Promise<boolean> {
  return async () => {
    const res = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(1000) });
    await res.body?.cancel();
    return res.ok;
  };
}

/** Ready when Redis answers PING. */
export function redisReady(url: string): () => Promise<boolean> {
  return async () => {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on("error", () => undefined);
    try {
      await client.connect();
      return (await client.ping()) === "PONG";
    } finally {
      client.disconnect();
    }
  };
}
