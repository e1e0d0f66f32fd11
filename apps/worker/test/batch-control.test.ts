import type { ChunkView } from "@tat-bulk/batches";
import { fixture } from "@tat-bulk/test-support/fixture";
import { beforeEach, describe, expect, it } from "vitest";
import { cvmIds, type Stack, startStack } from "./worker-harness.js";

/** 10,000 known instances (20 of the first 1,000 offline), one known command. */
const offline = Array.from({ length: 20 }, (_, i) => cvmIds(1000)[i * 50] ?? "");
const stack = fixture(() =>
  startStack({
    simEnv: { TAT_SIM_RATE_LIMIT: "1000", TAT_SIM_RATE_LIMITS: "DescribeAutomationAgentStatus=1000" },
    world: {
      commands: [{ CommandId: "cmd-m7uma92n", EnableParameter: true }],
      instances: cvmIds(10_000).map((InstanceId) => ({
        InstanceId,
        AgentStatus: offline.includes(InstanceId) ? ("Offline" as const) : ("Online" as const),
      })),
    },
  }),
);
beforeEach(async () => {
  await stack().admin("POST", "/reset");
});

const calls = async (action: string) =>
  Object.values((await stack().admin("GET", "/stats")).calls[action] ?? {}).reduce((a, b) => a + b, 0);
type SimInvoker = { InvokerId: string; Enable: boolean; Tags: Array<{ Key: string; Value: string }> };
const invokersOf = async (batchId: string) =>
  (await stack().admin<{ invokers: SimInvoker[] }>("GET", "/invokers")).invokers.filter((i) =>
    i.Tags.some((t) => t.Value.startsWith(`${batchId}/`)),
  );
const waitFor = async (what: string, check: () => Promise<boolean>, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

describe("an error every chunk would meet", () => {
  it("ends a 100-chunk batch whose command does not exist after at most 3 CreateInvoker calls", async () => {
    const s: Stack = stack();
    // TAT's own budget, 20 calls/s: a stop must come before the next slot.
    const { store } = await s.lane({ TAT_RATE_LIMITS: "DescribeAutomationAgentStatus=1000" });
    const batchId = await s.submit(cvmIds(10_000), { CommandId: "cmd-zzzzzzzz" }, store);
    const summary = await s.waitForBatch(batchId, 20_000, store);
    expect(summary).toMatchObject({
      Status: "FAILED",
      StopReason: { Code: "ResourceNotFound.CommandNotFound" },
      Instances: { Failed: 10_000, Succeeded: 0, Pending: 0 },
    });
    expect(await calls("CreateInvoker")).toBeLessThanOrEqual(3);
    const page = await store.reads.instancePage(batchId, { offset: 9_999, limit: 1 });
    expect(page.items[0]?.Error).toEqual({
      Code: "ResourceNotFound.CommandNotFound",
      Message: expect.stringMatching(/^Not sent: the batch stopped on ResourceNotFound\.CommandNotFound/),
    });
  });
});

describe("MaxErrors", () => {
  it.each([
    ["5", 5],
    ["1%", 10],
  ])(
    "%s stops the batch after %i failed instances: the rest CANCELLED as MaxErrorsExceeded, the batch FAILED",
    async (maxErrors, threshold) => {
      const s = stack();
      const { store } = await s.lane({
        TAT_RATE_LIMIT: "1000",
        TAT_RATE_LIMITS: "DescribeAutomationAgentStatus=1000",
        WORKER_CONCURRENCY: "2",
      });
      const batchId = await s.submit(cvmIds(1000), { MaxErrors: maxErrors }, store);
      const summary = await s.waitForBatch(batchId, 20_000, store);
      expect(summary).toMatchObject({ Status: "FAILED", StopReason: { Code: "MaxErrorsExceeded" } });
      expect(summary.StopReason?.Message).toContain(`more than MaxErrors allows (${threshold})`);
      expect(summary.Instances.Failed).toBeGreaterThan(threshold);
      expect(summary.Instances.Cancelled).toBeGreaterThan(0);
      expect(summary.Instances.Pending).toBe(0);
      const cancelled = await store.reads.instancePage(batchId, { offset: 0, limit: 1, status: "CANCELLED" });
      expect(cancelled.items[0]?.Error?.Code).toBe("MaxErrorsExceeded");
      expect(await calls("CreateInvoker")).toBeLessThan(10);
    },
  );
});

describe("cancel stops what was created", () => {
  it.each([
    ["disable", (i: SimInvoker[]) => i.length > 0 && i.every((v) => !v.Enable)],
    ["delete", (i: SimInvoker[]) => i.length === 0],
    ["keep", (i: SimInvoker[]) => i.length > 0 && i.every((v) => v.Enable)],
  ] as const)(
    "?invokers=%s, including an invoker an in-flight call created without answering",
    async (mode, atTat) => {
      const s = stack();
      const { store } = await s.lane({
        TAT_RATE_LIMIT: "10",
        TAT_RATE_LIMITS: "DescribeAutomationAgentStatus=1000",
        TAT_TIMEOUT_MS: "300",
      });
      // The first call is created at TAT and never answered: an ambiguous chunk, looked up later.
      await s.admin("POST", "/faults/script", { action: "CreateInvoker", fault: "hang-after" });
      const batchId = await s.submit(cvmIds(2000, 5000 - 2000), {}, store);
      await waitFor("three invokers", async () => (await invokersOf(batchId)).length >= 3);
      await store.cancel(batchId, mode);
      const summary = await s.waitForBatch(batchId, 20_000, store);
      expect(summary.Status).toBe("CANCELLED");
      const created = summary.Instances.Succeeded / 100;
      expect(created).toBeGreaterThanOrEqual(3);
      expect(summary.Invokers).toEqual(
        mode === "disable"
          ? { Enabled: 0, Disabled: created, Deleted: 0 }
          : mode === "delete"
            ? { Enabled: 0, Disabled: 0, Deleted: created }
            : { Enabled: created, Disabled: 0, Deleted: 0 },
      );
      const chunks: ChunkView[] = (await store.reads.chunkPage(batchId, { offset: 0, limit: 100 })).items;
      expect(chunks.flatMap((c) => c.Invokers).length).toBe(created);
      expect(atTat(await invokersOf(batchId))).toBe(true);
      expect((await s.admin("GET", "/stats")).duplicates).toBe(0);
    },
  );
});

describe("the batch's invokers, in bulk", () => {
  it("disables, enables and deletes 30 invokers", async () => {
    const s = stack();
    const { store } = await s.lane({
      TAT_RATE_LIMIT: "1000",
      TAT_RATE_LIMITS: "DescribeAutomationAgentStatus=1000",
    });
    const batchId = await s.submit(cvmIds(3000, 6000), {}, store);
    expect(await s.waitForBatch(batchId, 20_000, store)).toMatchObject({
      Status: "SUCCEEDED",
      Invokers: { Enabled: 30 },
    });
    const done = async (target: "DISABLED" | "ENABLED" | "DELETED") => {
      expect(await store.invokerAction(batchId, target)).toMatchObject({ chunks: 30 });
      await waitFor(`invokers ${target}`, async () =>
        Boolean((await store.reads.summary(batchId))?.InvokerAction?.DoneAt),
      );
      return store.reads.summary(batchId);
    };
    expect(await done("DISABLED")).toMatchObject({
      Status: "SUCCEEDED",
      Invokers: { Enabled: 0, Disabled: 30 },
    });
    expect((await invokersOf(batchId)).every((i) => !i.Enable)).toBe(true);
    expect(await done("ENABLED")).toMatchObject({ Invokers: { Enabled: 30, Disabled: 0 } });
    expect((await invokersOf(batchId)).every((i) => i.Enable)).toBe(true);
    expect(await done("DELETED")).toMatchObject({ Invokers: { Enabled: 0, Deleted: 30 } });
    expect(await invokersOf(batchId)).toEqual([]);
    expect(await calls("DeleteInvoker")).toBe(30);
  });
});
