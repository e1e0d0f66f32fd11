import { fixture } from "@tat-bulk/test-support/fixture";
import { describe, expect, it } from "vitest";
import type { Lane } from "../src/chunk-scheduler.js";
import { cvmIds, newBatch, startBatchesRedis } from "./batches-harness.js";

const db = fixture(startBatchesRedis);
const NO_AGING = { agingMs: 1e9, staleMs: 1e9 };

/** A namespace with one batch of `chunks` chunks per entry, enrolled as given, in this order. */
async function enrolled(batches: Array<{ caller: string; chunks: number; lane?: Lane; weight?: number }>) {
  const pieces = db().pieces();
  const ids: string[] = [];
  for (const b of batches) {
    const created = await pieces.writer.create(newBatch(cvmIds(b.chunks * 100)));
    if (created.kind !== "created") throw new Error(created.kind);
    const batchId = created.summary.BatchId;
    ids.push(batchId);
    const lane = b.lane ?? "NORMAL";
    const entry = { batchId, budget: "b1", lane, caller: b.caller, weight: b.weight ?? 1, rate: 20 };
    expect(await pieces.scheduler.enroll(entry)).toBe(true);
  }
  /** Picks one chunk at a time (each ended at once) and names whose it was. */
  const order = async (n: number, options = NO_AGING, now?: () => number) => {
    const names: string[] = [];
    for (let i = 0; i < n; i++) {
      const picks = await pieces.scheduler.pick("b1", {
        depth: 1,
        ...options,
        ...(now ? { now: now() } : {}),
      });
      const pick = picks[0];
      if (!pick) break;
      names.push(`${batches[ids.indexOf(pick.batchId)]?.caller}#${ids.indexOf(pick.batchId)}`);
      await pieces.scheduler.done("b1", pick.slot);
    }
    return names;
  };
  return { pieces, ids, order };
}

const count = (names: string[], prefix: string) => names.filter((n) => n.startsWith(prefix)).length;

describe("ChunkScheduler", () => {
  it("enrolls a batch once, however many workers try", async () => {
    const pieces = db().pieces();
    const created = await pieces.writer.create(newBatch(cvmIds(100)));
    const batchId = created.kind === "created" ? created.summary.BatchId : "";
    const entry = { batchId, budget: "b1", lane: "NORMAL" as const, caller: "a", weight: 1, rate: 20 };
    const results = await Promise.all([pieces.scheduler.enroll(entry), pieces.scheduler.enroll(entry)]);
    expect(results.sort()).toEqual([false, true]);
    expect(await pieces.scheduler.budgets()).toEqual(new Map([["b1", 20]]));
  });

  it("hands out at most `depth` chunks until their jobs end", async () => {
    const { pieces } = await enrolled([{ caller: "a", chunks: 10 }]);
    const first = await pieces.scheduler.pick("b1", { depth: 4, ...NO_AGING });
    expect(first.map((p) => p.index)).toEqual([0, 1, 2, 3]);
    expect(await pieces.scheduler.pick("b1", { depth: 4, ...NO_AGING })).toEqual([]);
    await pieces.scheduler.done("b1", first[0]?.slot ?? "");
    expect((await pieces.scheduler.pick("b1", { depth: 4, ...NO_AGING })).map((p) => p.index)).toEqual([4]);
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

  it("forgets a budget once nothing waits and nothing is in flight", async () => {
    const { pieces, order } = await enrolled([{ caller: "a", chunks: 2 }]);
    expect(await order(5)).toHaveLength(2);
    expect(await pieces.scheduler.pick("b1", { depth: 1, ...NO_AGING })).toEqual([]);
    expect(await pieces.scheduler.budgets()).toEqual(new Map());
  });
});
