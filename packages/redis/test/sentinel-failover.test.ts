import { startSentinels, type TestSentinels } from "@tat-bulk/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisClient, type RedisClient } from "../src/index.js";

let set: TestSentinels;
beforeAll(async () => {
  set = await startSentinels({ replicas: 1 });
}, 60_000);
afterAll(async () => {
  await set?.close();
}, 60_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A client as every app makes one (commands wait out an outage), with the times it ended. */
function client(): { redis: RedisClient; ended: () => number } {
  const redis = createRedisClient(
    { url: "redis://unused", clusterNodes: [], sentinels: set.sentinels, sentinelName: set.name },
    { maxRetriesPerRequest: null },
  );
  let ends = 0;
  redis.on("end", () => ends++);
  redis.on("error", () => undefined);
  return { redis, ended: () => ends };
}

describe("a Sentinel client across failovers", () => {
  it("follows a primary demoted alive: writes reach the new primary once the old one says READONLY", async () => {
    const { redis, ended } = client();
    const portOf = async () => (await redis.info("server")).match(/tcp_port:(\d+)/)?.[1];
    try {
      await redis.set("demoted", "1");
      const promoted = await set.switchover();
      // Until the Sentinels demote it, the old primary still takes writes (asynchronous
      // replication's window, which INTAKE_MIN_REPLICAS closes for batches); then READONLY moves
      // the client.
      const deadline = Date.now() + 15_000;
      while ((await portOf()) !== String(promoted.port) && Date.now() < deadline) {
        await redis.incr("demoted");
        await sleep(50);
      }
      expect(await portOf()).toBe(String(promoted.port));
      expect(await redis.set("demoted", "moved")).toBe("OK");
      expect(ended()).toBe(0);
    } finally {
      redis.disconnect();
    }
  }, 60_000);

  // ioredis' failover detector (ioredis 5.11) ends a client for good when the Sentinels' news
  // arrives while the client is asking a Sentinel for the primary: every command after that fails
  // at once ("Connection is closed."), and a BullMQ worker on it spins in its retry loop.
  it("stays usable when the failover news comes while a Sentinel it asks hangs", async () => {
    const { redis, ended } = client();
    try {
      await redis.set("hang", "1");
      // The replica has it before the kill (after the switchover above it may still be resyncing).
      let copies = 0;
      for (let i = 0; i < 30 && copies < 1; i++) copies = Number(await redis.call("WAIT", "1", "1000"));
      expect(copies).toBe(1);
      set.freeze(0, true); // the Sentinel the client asked first; it is asked first again
      await set.failover();
      await sleep(2000);
      set.freeze(0, false);
      expect(await redis.incr("hang")).toBe(2);
      expect({ status: redis.status, ended: ended() }).toEqual({ status: "ready", ended: 0 });
    } finally {
      set.freeze(0, false);
      redis.disconnect();
    }
  }, 60_000);
});
