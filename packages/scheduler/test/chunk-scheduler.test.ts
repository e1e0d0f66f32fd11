import { randomBytes } from "node:crypto";
import { startTestRedis } from "@tat-bulk/test-support";
import { fixture } from "@tat-bulk/test-support/fixture";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { ChunkScheduler } from "../src/chunk-scheduler.js";
import type { Lane } from "../src/lanes.js";
import { schedulerKeys } from "../src/scheduler-keys.js";

/** A Redis of its own; a fresh namespace (a scheduler of its own) per `scheduler()` call. */
const db = fixture(async () => {
  const server = await startTestRedis();
  const redis = new Redis(server.url);
  return {
    redis,
    scheduler() {
      const keys = schedulerKeys(`tat-bulk:{sched-${randomBytes(4).toString("hex")}}`);
      return { keys, scheduler: new ChunkScheduler(redis, keys) };
    },
    async close() {
      redis.disconnect();
      await server.close();
    },
  };
});
const NO_AGING = { agingMs: 1e9, staleMs: 1e9 };
let batchCount = 0;

/** A batch of `chunks` chunks (round 0) admitted to the scheduler: its ID. */
async function admitted(scheduler: ChunkScheduler, chunks: number): Promise<string> {
  const batchId = `bat-${String(++batchCount).padStart(16, "0")}`;
  await scheduler.admit(
    batchId,
    Array.from({ length: chunks }, (_, index) => ({ index, round: 0 })),
  );
  return batchId;
}

/** A namespace with one batch of `chunks` chunks per entry, enrolled as given, in this order. */
async function enrolled(batches: Array<{ caller: string; chunks: number; lane?: Lane; weight?: number }>) {
  const { scheduler, keys } = db().scheduler();
  const ids: string[] = [];
  for (const b of batches) {
    const batchId = await admitted(scheduler, b.chunks);
    ids.push(batchId);
    const lane = b.lane ?? "NORMAL";
    const entry = { batchId, budget: "b1", lane, caller: b.caller, weight: b.weight ?? 1, rate: 20 };
    expect(await scheduler.enroll(entry)).toBe(true);
  }
  /** Leases one chunk at a time (each released at once) and names whose it was. */
  const order = async (n: number, options = NO_AGING, now?: () => number) => {
    const names: string[] = [];
    for (let i = 0; i < n; i++) {
      const leases = await scheduler.lease("b1", {
        depth: 1,
        ...options,
        ...(now ? { now: now() } : {}),
      });
      const lease = leases[0];
      if (!lease) break;
      names.push(`${batches[ids.indexOf(lease.batchId)]?.caller}#${ids.indexOf(lease.batchId)}`);
      await scheduler.release(lease);
    }
    return names;
  };
  return { scheduler, keys, ids, order };
}

const count = (names: string[], prefix: string) => names.filter((n) => n.startsWith(prefix)).length;

describe("ChunkScheduler", () => {
  it("enrolls a batch once, however many workers try", async () => {
    const { scheduler } = db().scheduler();
    const batchId = await admitted(scheduler, 1);
    expect(await scheduler.inbox()).toEqual([batchId]);
    const entry = { batchId, budget: "b1", lane: "NORMAL" as const, caller: "a", weight: 1, rate: 20 };
    const results = await Promise.all([scheduler.enroll(entry), scheduler.enroll(entry)]);
    expect(results.sort()).toEqual([false, true]);
    expect(await scheduler.budgets()).toEqual(new Map([["b1", 20]]));
    expect(await scheduler.inbox()).toEqual([]);
  });

  it("leases at most `depth` chunks until they are released, and a lease that is not renewed goes stale", async () => {
    const { scheduler, ids } = await enrolled([{ caller: "a", chunks: 10 }]);
    // Leased twenty seconds ago.
    const past = { ...NO_AGING, now: Date.now() - 20_000 };
    const first = await scheduler.lease("b1", { depth: 4, ...past });
    expect(first.map((l) => [l.batchId, l.index, l.round, l.budget])).toEqual(
      [0, 1, 2, 3].map((index) => [ids[0], index, 0, "b1"]),
    );
    expect(await scheduler.lease("b1", { depth: 4, ...past })).toEqual([]);
    const [released, renewed] = first;
    if (!released || !renewed) throw new Error("no leases");
    await scheduler.release(released);
    expect((await scheduler.lease("b1", { depth: 4, ...past })).map((l) => l.index)).toEqual([4]);
    // Now: the lease renewed meanwhile still counts; the three others went stale.
    await scheduler.renew(renewed);
    const fresh = await scheduler.lease("b1", { depth: 4, agingMs: 1e9, staleMs: 5_000 });
    expect(fresh.map((l) => l.index)).toEqual([5, 6, 7]);
  });

  it("takes back a chunk still waiting, and admits chunks again after the batch's waiting ones", async () => {
    const { scheduler } = db().scheduler();
    const batchId = await admitted(scheduler, 3);
    expect(await scheduler.withdraw(batchId, { index: 1, round: 0 })).toBe(true);
    expect(await scheduler.withdraw(batchId, { index: 1, round: 0 })).toBe(false);
    await scheduler.admit(batchId, [{ index: 1, round: 1 }]);
    expect([...(await scheduler.waiting(batchId))]).toEqual(["0", "2", "1:1"]);
    expect(await scheduler.waitingCount([batchId, "bat-unknown"])).toBe(3);
    await scheduler.enroll({ batchId, budget: "b1", lane: "NORMAL", caller: "a", weight: 1, rate: 20 });
    const leases = await scheduler.lease("b1", { depth: 10, ...NO_AGING });
    expect(leases.map((l) => [l.index, l.round])).toEqual([
      [0, 0],
      [2, 0],
      [1, 1],
    ]);
  });

  it("alternates between callers of equal weight, whatever the order they came in", async () => {
    const { order } = await enrolled([
      { caller: "a", chunks: 30 },
      { caller: "b", chunks: 30 },
    ]);
    const names = await order(20);
    expect(count(names, "a")).toBe(10);
    expect(count(names, "b")).toBe(10);
  });

  it("gives weights 2:1 a 2:1 share", async () => {
    const { order } = await enrolled([
      { caller: "a", chunks: 40, weight: 2 },
      { caller: "b", chunks: 40, weight: 1 },
    ]);
    const names = await order(30);
    expect(count(names, "a")).toBe(20);
    expect(count(names, "b")).toBe(10);
  });

  it("takes a caller's batches in turn, so a small one is not behind a big one", async () => {
    const { order } = await enrolled([
      { caller: "a", chunks: 50 },
      { caller: "a", chunks: 2 },
    ]);
    expect(await order(4)).toEqual(["a#0", "a#1", "a#0", "a#1"]);
  });

  it("serves HIGH before NORMAL, then LOW once neither has work", async () => {
    const { order } = await enrolled([
      { caller: "a", chunks: 2, lane: "LOW" },
      { caller: "b", chunks: 2, lane: "NORMAL" },
      { caller: "c", chunks: 2, lane: "HIGH" },
    ]);
    expect(await order(6)).toEqual(["c#2", "c#2", "b#1", "b#1", "a#0", "a#0"]);
  });

  it("gives HIGH its share, 90% by default, and never starves NORMAL", async () => {
    const { order } = await enrolled([
      { caller: "high", chunks: 100, lane: "HIGH" },
      { caller: "normal", chunks: 100, lane: "NORMAL" },
    ]);
    const names = await order(50);
    expect(count(names, "high")).toBe(45);
    expect(count(names, "normal")).toBe(5);
    expect(names.slice(0, 9).every((n) => n.startsWith("high"))).toBe(true);
    expect(names[9]).toMatch(/^normal/);
  });

  it("moves a LOW batch that waited past the aging time into NORMAL, where it takes its fair share", async () => {
    let clock = Date.now();
    const { order } = await enrolled([
      { caller: "a", chunks: 50, lane: "NORMAL" },
      { caller: "b", chunks: 50, lane: "LOW" },
    ]);
    const aging = { agingMs: 5000, staleMs: 1e9 };
    expect(count(await order(10, aging, () => clock), "b")).toBe(0);
    clock += 6000;
    const later = await order(10, aging, () => clock);
    expect(count(later, "b")).toBe(5);
  });

  it("forgets a budget once nothing waits and nothing is leased", async () => {
    const { scheduler, order } = await enrolled([{ caller: "a", chunks: 2 }]);
    expect(await order(5)).toHaveLength(2);
    expect(await scheduler.lease("b1", { depth: 1, ...NO_AGING })).toEqual([]);
    expect(await scheduler.budgets()).toEqual(new Map());
  });
});
