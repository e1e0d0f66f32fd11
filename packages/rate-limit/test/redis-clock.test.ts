import { describe, expect, it } from "vitest";
import { RedisClock } from "../src/redis-clock.js";

describe("RedisClock", () => {
  it("pins the offset with the tightest round trips and errs late both ways", () => {
    // Redis's clock runs 1,000,000 ms ahead of ours; it reads its clock 1 ms after each ask.
    const clock = new RedisClock();
    const offset = 1_000_000;
    clock.observe(100, 110, (101 + offset) * 1000); // slow round trip
    clock.observe(200, 200.4, (200.2 + offset) * 1000); // fast one
    clock.observe(300, 305, (304 + offset) * 1000);
    // A Redis time maps to a local time no earlier than the true one, and within the fast trip's 0.4 ms.
    const local = clock.toLocal((500 + offset) * 1000);
    expect(local).toBeGreaterThanOrEqual(500);
    expect(local).toBeLessThanOrEqual(500.4);
    // A local time maps to a Redis time no earlier than the true one.
    const redisUs = clock.toRedisUs(500);
    expect(redisUs).toBeGreaterThanOrEqual((500 + offset) * 1000);
    expect(redisUs).toBeLessThanOrEqual((500.4 + offset) * 1000 + 1);
  });
});
