import { connectTestRedis } from "@tat-bulk/test-support";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BucketRef, bucketName, CircuitBreakers } from "../src/circuit-breakers.js";

let redis: Redis;
let closeRedis: () => Promise<void>;
beforeAll(async () => ({ redis, close: closeRedis } = await connectTestRedis()));
afterAll(() => closeRedis());

const options = {
  consecutive: 10,
  failures: 10,
  window: 20,
  firstProbeMs: 200,
  probeCapMs: 800,
  probeLeaseMs: 5000,
};
let n = 0;
const group = () => `test|${++n}`;
const fail = (breakers: CircuitBreakers, ref: BucketRef, times: number) =>
  Array.from({ length: times }).reduce<Promise<unknown>>(
    (previous) => previous.then(() => breakers.record(ref, "t", true)),
    Promise.resolve(),
  );

describe("CircuitBreakers", () => {
  it("opens after 10 failures in a row, and a success in between resets the run", async () => {
    const breakers = new CircuitBreakers(redis, options);
    const ref = { action: "CreateInvoker", group: group() };
    for (let i = 0; i < 9; i++)
      expect(await breakers.record(ref, "t", true)).toMatchObject({ transition: "", open: false });
    await breakers.record(ref, "t", false);
    await fail(breakers, ref, 9);
    const before = Date.now();
    expect(await breakers.record(ref, "t", true)).toMatchObject({ transition: "opened", open: true });
    const [state] = (await CircuitBreakers.states(redis)).filter((s) => s.bucket === bucketName(ref));
    expect(state).toMatchObject({ action: "CreateInvoker", open: true, since: expect.any(Number) });
    const events = await breakers.lastEvents(ref.group);
    expect(events.openedAt).toBeGreaterThanOrEqual(before - 50);
    expect(events.answeredAt).toBeLessThan(events.openedAt);
    // Any bucket of the group answering counts for the group.
    await breakers.record({ ...ref, action: "DescribeInvokers" }, "t", false);
    expect((await breakers.lastEvents(ref.group)).answeredAt).toBeGreaterThanOrEqual(events.openedAt);
  });

  it("opens when half of the last 20 calls failed", async () => {
    const breakers = new CircuitBreakers(redis, options);
    const ref = { action: "CreateInvoker", group: group() };
    const transitions = [];
    for (let i = 0; i < 20; i++) transitions.push((await breakers.record(ref, "t", i % 2 === 1)).transition);
    expect(transitions.filter(Boolean)).toEqual(["opened"]);
  });

  it("while open lets one probe out at a time, further apart after each failure, and closes on a success", async () => {
    const breakers = new CircuitBreakers(redis, options);
    const other = new CircuitBreakers(redis, options);
    const ref = { action: "CreateInvoker", group: group() };
    await fail(breakers, ref, 10);
    const probeTimes: number[] = [];
    const started = Date.now();
    for (let i = 0; i < 3; i++) {
      expect(await breakers.admit(ref, `p${i}`)).toBe("probe");
      probeTimes.push(Date.now() - started);
      // An answer from a call that was in flight when it opened does not move the schedule.
      await breakers.record(ref, "in-flight", true);
      await breakers.record(ref, `p${i}`, true);
    }
    // 200 ms, then 400 more, then 800 more (the cap).
    expect(probeTimes[0]).toBeGreaterThanOrEqual(150);
    expect((probeTimes[1] ?? 0) - (probeTimes[0] ?? 0)).toBeGreaterThanOrEqual(350);
    expect((probeTimes[2] ?? 0) - (probeTimes[1] ?? 0)).toBeGreaterThanOrEqual(750);
    // A waiter in another process is let go soon after the probe succeeds.
    expect(await breakers.admit(ref, "p")).toBe("probe");
    const waiting = other.admit(ref, "w");
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await breakers.record(ref, "p", false)).toMatchObject({ transition: "closed", open: false });
    const before = Date.now();
    expect(await waiting).toBe("go");
    expect(Date.now() - before).toBeLessThan(500);
  });

  it("spaces the probes of one endpoint and account as one, and a recovery lets the others probe at once", async () => {
    const breakers = new CircuitBreakers(redis, { ...options, firstProbeMs: 300, probeCapMs: 60_000 });
    const shared = group();
    const create = { action: "CreateInvoker", group: shared };
    const describe_ = { action: "DescribeInvokers", group: shared };
    await fail(breakers, create, 10);
    await fail(breakers, describe_, 10);
    expect(await breakers.admit(create, "c")).toBe("probe");
    // The group's probe is out: the other bucket waits for it.
    const second = breakers.admit(describe_, "d");
    const race = await Promise.race([second, new Promise((r) => setTimeout(() => r("waiting"), 500))]);
    expect(race).toBe("waiting");
    await breakers.record(create, "c", false);
    const before = Date.now();
    expect(await second).toBe("probe");
    expect(Date.now() - before).toBeLessThan(300);
  });

  it("a probe given back lets the next caller probe at once", async () => {
    const breakers = new CircuitBreakers(redis, { ...options, probeLeaseMs: 60_000 });
    const ref = { action: "CreateInvoker", group: group() };
    await fail(breakers, ref, 10);
    expect(await breakers.admit(ref, "a")).toBe("probe");
    expect(await breakers.release(ref, "someone-else")).toBe(false);
    expect(await breakers.release(ref, "a")).toBe(true);
    expect(await breakers.admit(ref, "b")).toBe("probe");
  });

  it("wakes its waiters when closed", async () => {
    const breakers = new CircuitBreakers(redis, { ...options, firstProbeMs: 60_000 });
    const ref = { action: "CreateInvoker", group: group() };
    await fail(breakers, ref, 10);
    const waiting = breakers.admit(ref, "w");
    breakers.close();
    await expect(waiting).rejects.toThrow("circuit breakers closed");
  });
});

describe("CircuitBreakers: a waiter with a deadline", () => {
  it("stops waiting for an open bucket when its signal aborts, and the next waiter takes its place", async () => {
    const breakers = new CircuitBreakers(redis, { ...options, firstProbeMs: 60_000 });
    const ref = { action: "CreateInvoker", group: group() };
    await fail(breakers, ref, 10);
    const deadline = AbortSignal.timeout(300);
    const started = Date.now();
    await expect(breakers.admit(ref, "a", deadline)).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1500);
    // Closed again (a success elsewhere): the waiter behind it goes at once.
    await breakers.record(ref, "b", false);
    expect(await breakers.admit(ref, "c", AbortSignal.timeout(2000))).toBe("go");
    breakers.close();
  });
});
