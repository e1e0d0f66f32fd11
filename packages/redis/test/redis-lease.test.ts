import { connectTestRedis } from "@tat-bulk/test-support";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isRedisUnavailable } from "../src/redis-errors.js";
import { RedisLease } from "../src/redis-lease.js";

let redis: Redis;
let closeRedis: () => Promise<void>;
beforeAll(async () => ({ redis, close: closeRedis } = await connectTestRedis()));
afterAll(() => closeRedis());

describe("RedisLease", () => {
  it("elects one holder, renews it, and passes on when released or expired", async () => {
    const a = new RedisLease(redis, "lease-test", 300);
    const b = new RedisLease(redis, "lease-test", 300);
    expect(await a.hold()).toBe(true);
    expect(await b.hold()).toBe(false);
    expect(await a.hold()).toBe(true);
    expect(await b.release()).toBe(false);
    expect(await a.release()).toBe(true);
    expect(await b.hold()).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await a.hold()).toBe(true);
  });
});

describe("isRedisUnavailable", () => {
  it("tells an unreachable Redis from a failed command", async () => {
    const offline = new Redis("redis://127.0.0.1:1", {
      lazyConnect: true,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    const unreachable = await offline.get("x").catch((error: unknown) => error);
    expect(isRedisUnavailable(unreachable)).toBe(true);
    await redis.set("a-string", "x");
    const wrongType = await redis.hget("a-string", "f").catch((error: unknown) => error);
    expect(isRedisUnavailable(wrongType)).toBe(false);
    expect(isRedisUnavailable(new Error("boom"))).toBe(false);
    expect(isRedisUnavailable("text")).toBe(false);
    offline.disconnect();
  });
});
