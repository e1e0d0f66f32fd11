import type { BatchCallFields, Batches } from "@tat-bulk/batches";
import { chunkInstances } from "@tat-bulk/tat-api";
import { fixture } from "@tat-bulk/test-support/fixture";
import { describe, expect, it } from "vitest";
import { cvmIds, type Stack, startStack } from "./worker-harness.js";

// A faster budget than TAT's 20/s keeps these tests short; the scheduler's choices do not depend on it.
const RATE = "50";
const stack = fixture(() =>
  startStack({
    simEnv: { TAT_SIM_RATE_LIMIT: RATE, TAT_SIM_RATE_LIMITS: "DescribeAutomationAgentStatus=150" },
  }),
);
const workerSettings = { TAT_RATE_LIMIT: RATE, TAT_PREFLIGHT: "off", TAT_RATE_MARGIN_MS: "20" };

/** Writes a batch as the intake does for a caller (its weight and priority), in a lane of its own. */
async function submit(
  store: Batches,
  caller: string,
  chunks: number,
  extra: { weight?: number; request?: Partial<BatchCallFields> } = {},
): Promise<string> {
  const ids = cvmIds(chunks * 100);
  const { chunks: parts, uniqueCount } = chunkInstances(ids, 100);
  const result = await store.writer.create({
    caller,
    weight: extra.weight ?? 1,
    request: { ...baseRequestFor(), ...extra.request },
    chunks: parts,
    instanceCount: uniqueCount,
    duplicatesRemoved: 0,
  });
  if (result.kind !== "created") throw new Error(result.kind);
  return result.summary.BatchId;
}
const baseRequestFor = (): BatchCallFields => ({
  Name: "sched-test",
  Type: "SCHEDULE",
  CommandId: "cmd-abcdefgh",
  ScheduleSettings: { Policy: "ONCE", InvokeTime: "2099-01-01T00:00:00Z" },
  Region: "ap-guangzhou",
});

/** When each chunk of these batches ended, oldest first, named by its batch. */
async function doneOrder(store: Batches, batchIds: string[]): Promise<string[]> {
  const ends: Array<[number, string]> = [];
  for (const id of batchIds) {
    for (const chunk of (await store.reads.allChunks(id)).values()) ends.push([chunk.doneAt ?? Infinity, id]);
  }
  return ends.sort((a, b) => a[0] - b[0]).map(([, id]) => id);
}

const lane = async (s: Stack, overrides: Record<string, string> = {}) => {
  const { store, worker } = await s.lane({ ...workerSettings, ...overrides });
  return { store, worker };
};

describe("scheduling with real workers and the simulator", () => {
  it("shares the budget 50/50 between two callers of equal weight, and 2:1 for weights 2:1", async () => {
    const s = stack();
    for (const [weightA, expectA] of [
      [1, 15],
      [2, 20],
    ] as const) {
      const store = s.storeFor(`${s.queueName}-fair${weightA}`);
      const a = await submit(store, "caller-a", 40, { weight: weightA });
      const b = await submit(store, "caller-b", 40);
      await s.startWorker({ ...workerSettings, QUEUE_NAME: `${s.queueName}-fair${weightA}` });
      await s.waitForBatch(a, 20_000, store);
      await s.waitForBatch(b, 20_000, store);
      const first30 = (await doneOrder(store, [a, b])).slice(0, 30);
      const shareA = first30.filter((id) => id === a).length;
      expect(Math.abs(shareA - expectA)).toBeLessThanOrEqual(2);
    }
  });

  it("finishes a 1-chunk batch behind a backlog within 2 s, HIGH or the backlog's own caller's", async () => {
    const s = stack();
    const { store } = await lane(s);
    const backlog = await submit(store, "caller-a", 150);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const started = Date.now();
    const urgent = await submit(store, "caller-b", 1, { request: { Priority: "HIGH" } });
    const sameCaller = await submit(store, "caller-a", 1);
    await s.waitForBatch(urgent, 5000, store);
    await s.waitForBatch(sameCaller, 5000, store);
    const latency = Date.now() - started;
    expect(latency).toBeLessThan(2000);
    expect((await store.reads.summary(backlog))?.FinishedAt).toBeNull();
    await s.waitForBatch(backlog, 20_000, store);
  });

  it("keeps LOW waiting while NORMAL work goes on, until it ages into NORMAL", async () => {
    const s = stack();
    const { store } = await lane(s, { SCHED_LOW_AGING_MS: "1000" });
    const submitted = Date.now();
    const low = await submit(store, "caller-low", 5, { request: { Priority: "LOW" } });
    const normal = await submit(store, "caller-n", 150);
    await s.waitForBatch(low, 10_000, store);
    const lowChunks = [...(await store.reads.allChunks(low)).values()];
    const firstLowDone = Math.min(...lowChunks.map((c) => c.doneAt ?? Infinity));
    // Not before it aged (one dispatch tick of slack), and well before the NORMAL backlog ended.
    expect(firstLowDone - submitted).toBeGreaterThanOrEqual(900);
    expect((await store.reads.summary(normal))?.FinishedAt).toBeNull();
    await s.waitForBatch(normal, 20_000, store);
  });
});
