import { startTestRedis, type TestRedis } from "@tat-bulk/test-support";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LimiterClosedError, SharedRateLimiter } from "../src/shared-rate-limiter.js";

let server: TestRedis;
const clients: Redis[] = [];
beforeAll(async () => {
  server = await startTestRedis();
});
afterAll(async () => {
  for (const client of clients) client.disconnect();
  await server.close();
});

function limiter(prefix: string, options: { limit?: number; windowMs?: number; penaltyMs?: number } = {}) {
  const redis = new Redis(server.url);
  clients.push(redis);
  return new SharedRateLimiter({
    redis,
    keyPrefix: prefix,
    limit: options.limit ?? 10,
    windowMs: options.windowMs ?? 500,
    penaltyMs: options.penaltyMs ?? 0,
  });
}

/** The most grants in any span of `windowMs`. */
function busiestWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let max = 0;
  let head = 0;
  sorted.forEach((t, i) => {
    while ((sorted[head] ?? t) <= t - windowMs) head++;
    max = Math.max(max, i - head + 1);
  });
  return max;
}

describe("SharedRateLimiter", () => {
  it("shares one budget across processes: never more than the limit in any window, and no idle slot", async () => {
    const replicas = [limiter("shared:"), limiter("shared:"), limiter("shared:")];
    const grants: number[] = [];
    await Promise.all(
      replicas.flatMap((l) =>
        Array.from({ length: 20 }, async () => {
          // A slot may be granted a little ahead of its time: what it promises is that time. It is
          // measured on Redis's clock, the one all replicas share: each replica's local estimate of
          // it errs late by up to its fastest round trip, which differs between replicas.
          grants.push((await l.acquire("CreateInvoker")).slotUs / 1000);
        }),
      ),
    );
    // 60 grants, 10 per 500 ms: one every 50 ms, the first at once.
    expect(grants).toHaveLength(60);
    expect(busiestWindow(grants, 500)).toBeLessThanOrEqual(10);
    const sorted = [...grants].sort((a, b) => a - b);
    const gaps = sorted.slice(1).map((t, i) => t - (sorted[i] ?? t));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(49.9);
    const elapsed = Math.max(...grants) - Math.min(...grants);
    expect(elapsed).toBeGreaterThanOrEqual(59 * 50 - 1);
    expect(elapsed).toBeLessThan(59 * 50 + 400);
    for (const l of replicas) l.close();
  });

  it("counts a window from when a call really left: a late send moves the slot a window after it", async () => {
    // 5 per 500 ms: slots 100 ms apart, and the 6th no earlier than 500 ms after the 1st left.
    const late = limiter("late:", { limit: 5, windowMs: 500 });
    const first = await late.acquire("CreateInvoker");
    await late.recordSend(first, first.dueAt + 60);
    for (let i = 0; i < 4; i++) await late.acquire("CreateInvoker");
    const sixth = await late.acquire("CreateInvoker");
    expect(sixth.dueAt - first.dueAt).toBeGreaterThanOrEqual(558);
    expect(late.latenessMs(first, first.dueAt + 60)).toBeGreaterThanOrEqual(60);

    // The same with sends on time, or recorded as leaving before their slot (never early): 500 ms.
    const onTime = limiter("on-time:", { limit: 5, windowMs: 500 });
    const head = await onTime.acquire("CreateInvoker");
    await onTime.recordSend(head, head.dueAt - 80);
    for (let i = 0; i < 4; i++) await onTime.acquire("CreateInvoker");
    const next = await onTime.acquire("CreateInvoker");
    expect(next.dueAt - head.dueAt).toBeGreaterThanOrEqual(495);
    expect(next.dueAt - head.dueAt).toBeLessThan(540);
    for (const l of [late, onTime]) l.close();
  });

  it("keeps buckets apart", async () => {
    const l = limiter("apart:", { limit: 1, windowMs: 10_000 });
    const started = Date.now();
    await Promise.all([l.acquire("CreateInvoker"), l.acquire("DescribeInvokers")]);
    expect(Date.now() - started).toBeLessThan(1000);
    l.close();
  });

  it("tryAcquire lets a second's burst through at once, then refuses with how long to wait", async () => {
    const l = limiter("try:", { limit: 10, windowMs: 1000 });
    const answers = [];
    for (let i = 0; i < 14; i++) answers.push(await l.tryAcquire("caller:a", 10, 1000));
    const granted = answers.filter((a) => a.granted).length;
    expect(granted).toBeGreaterThanOrEqual(10);
    expect(granted).toBeLessThanOrEqual(12);
    const refused = answers.find((a) => !a.granted);
    expect(refused?.retryAfterMs).toBeGreaterThan(0);
    expect(refused?.retryAfterMs).toBeLessThanOrEqual(100);
    expect((await l.tryAcquire("caller:b", 10, 1000)).granted).toBe(true);
    l.close();
  });

  it("pauses every sender of a bucket after penalize", async () => {
    const l = limiter("penalty:", { limit: 100, windowMs: 1000, penaltyMs: 300 });
    await l.penalize("CreateInvoker");
    const started = Date.now();
    await l.acquire("CreateInvoker");
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    l.close();
  });

  it("close() wakes waiters with LimiterClosedError and is idempotent", async () => {
    const l = limiter("closing:", { limit: 1, windowMs: 60_000 });
    await l.acquire("CreateInvoker");
    const waiting = l.acquire("CreateInvoker");
    const queued = l.acquire("CreateInvoker");
    l.close();
    l.close();
    await expect(waiting).rejects.toBeInstanceOf(LimiterClosedError);
    await expect(queued).rejects.toBeInstanceOf(LimiterClosedError);
  });

  it("a waiter whose signal aborts stops waiting, and the one queued behind it gets the next slot", async () => {
    const l = limiter("deadline:", { limit: 1, windowMs: 1500 });
    await l.acquire("CreateInvoker");
    const giving = new AbortController();
    const waiting = l.acquire("CreateInvoker", 1, giving.signal);
    const behind = l.acquire("CreateInvoker");
    giving.abort(new Error("job deadline"));
    await expect(waiting).rejects.toThrow("job deadline");
    const slot = await behind;
    expect(slot.waitedMs).toBeLessThan(2500);
    l.close();
  });
});
