import { fixture } from "@tat-bulk/test-support/fixture";
import { beforeEach, describe, expect, it } from "vitest";
import { cvmIds, type Stack, startStack } from "./worker-harness.js";

/** The open world: every well-formed instance exists with an online agent, unless the test says otherwise. */
const stack = fixture(() =>
  startStack({
    simEnv: { TAT_SIM_RATE_LIMIT: "1000", TAT_SIM_RATE_LIMITS: "DescribeAutomationAgentStatus=1000" },
  }),
);
const fast = {
  TAT_RATE_LIMIT: "1000",
  TAT_RATE_LIMITS: "DescribeAutomationAgentStatus=1000",
  TAT_MAX_ATTEMPTS: "4",
};
beforeEach(async () => {
  await stack().admin("POST", "/reset");
});

const agents = (instanceIds: string[], status: string) =>
  stack().admin("POST", "/agents", { InstanceIds: instanceIds, AgentStatus: status });
const calls = async (action: string) => (await stack().admin("GET", "/stats")).calls[action] ?? {};
type Invoker = { InvokerId: string; InstanceIds: string[] };
const simInvokers = async () => (await stack().admin<{ invokers: Invoker[] }>("GET", "/invokers")).invokers;

/** Every healthy instance in exactly one invoker, no other instance in any, and none held twice. */
async function expectCovered(s: Stack, healthy: string[]) {
  const held = (await simInvokers()).flatMap((invoker) => invoker.InstanceIds);
  expect(held.sort()).toEqual([...healthy].sort());
  expect((await s.admin("GET", "/stats")).duplicates).toBe(0);
}

describe("the agent check before CreateInvoker", () => {
  it("sets aside offline, agentless and missing instances with their codes, and creates for the rest in one call", async () => {
    const s = stack();
    const { store } = await s.lane(fast);
    const ids = cvmIds(100);
    const [offline = "", noAgent = "", gone = ""] = ids;
    await agents([offline], "Offline");
    await agents([noAgent], "NotInstalled");
    await agents([gone], "Missing");
    const batchId = await s.submit(ids, {}, store);
    expect(await s.waitForBatch(batchId, 10_000, store)).toMatchObject({
      Status: "PARTIALLY_FAILED",
      Instances: { Succeeded: 97, Failed: 3, Pending: 0, Cancelled: 0 },
    });
    const failed = (await s.instances(batchId, store)).filter((i) => i.Status === "FAILED");
    expect(failed.map((i) => [i.InstanceId, i.Error?.Code])).toEqual([
      [offline, "ResourceUnavailable.AgentStatusNotOnline"],
      [noAgent, "ResourceUnavailable.AgentNotReported"],
      [gone, "ResourceUnavailable.AgentNotReported"],
    ]);
    expect(await calls("CreateInvoker")).toEqual({ Success: 1 });
    expect(await calls("DescribeAutomationAgentStatus")).toEqual({ Success: 1 });
    await expectCovered(s, ids.slice(3));
  });

  it("re-checks when an agent goes offline between the check and the create, and creates for the rest", async () => {
    const s = stack();
    const { store } = await s.lane(fast);
    const ids = cvmIds(50, 1000);
    const flaky = ids[20] ?? "";
    await s.admin("POST", "/faults/script", {
      action: "DescribeAutomationAgentStatus",
      fault: "agents-change-after",
      instanceIds: [flaky],
      agentStatus: "Offline",
    });
    const batchId = await s.submit(ids, {}, store);
    await s.waitForBatch(batchId, 10_000, store);
    expect(await calls("CreateInvoker")).toEqual({
      "ResourceUnavailable.AgentStatusNotOnline": 1,
      Success: 1,
    });
    expect((await s.instances(batchId, store)).find((i) => i.InstanceId === flaky)).toMatchObject({
      Status: "FAILED",
      Error: { Code: "ResourceUnavailable.AgentStatusNotOnline" },
    });
    await expectCovered(
      s,
      ids.filter((id) => id !== flaky),
    );
  });

  it("finds an instance that vanished but still reports its agent online by splitting, within 2·log2(n) extra calls", async () => {
    const s = stack();
    const { store } = await s.lane(fast);
    const ids = cvmIds(100, 2000);
    const vanished = ids[73] ?? "";
    await agents([vanished], "Vanished");
    const batchId = await s.submit(ids, {}, store);
    expect(await s.waitForBatch(batchId, 10_000, store)).toMatchObject({
      Instances: { Succeeded: 99, Failed: 1 },
    });
    const created = await calls("CreateInvoker");
    const total = Object.values(created).reduce((a, b) => a + b, 0);
    expect(total - 1).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(100)));
    expect((await s.instances(batchId, store)).find((i) => i.InstanceId === vanished)?.Error?.Code).toBe(
      "ResourceNotFound.InstanceNotFound",
    );
    const { items } = await store.reads.chunkPage(batchId, { offset: 0, limit: 1 });
    expect(items[0]?.Invokers.length).toBeGreaterThan(1);
    await expectCovered(
      s,
      ids.filter((id) => id !== vanished),
    );
  });

  it("adopts a split part's invoker created before an InternalError, creating it once", async () => {
    const s = stack();
    const { store } = await s.lane(fast);
    const ids = cvmIds(16, 3000);
    await agents([ids[3] ?? ""], "Vanished");
    // Calls 1-3 fail on the vanished instance: 16, then its 8, then its 4; call 4 (the pair
    // without it) creates its invoker, then answers InternalError.
    await s.admin("POST", "/faults/script", { action: "CreateInvoker", fault: "slow", count: 3 });
    await s.admin("POST", "/faults/script", { action: "CreateInvoker", fault: "internal-error-after" });
    const batchId = await s.submit(ids, {}, store);
    expect(await s.waitForBatch(batchId, 10_000, store)).toMatchObject({
      Instances: { Succeeded: 15, Failed: 1 },
    });
    expect(await calls("DescribeInvokers")).toMatchObject({ Success: expect.any(Number) });
    expect((await calls("CreateInvoker")).InternalError).toBe(1);
    await expectCovered(
      s,
      ids.filter((id) => id !== ids[3]),
    );
  });

  it("without the check (TAT_PREFLIGHT=off) isolates bad instances by splitting alone", async () => {
    const s = stack();
    const { store } = await s.lane({ ...fast, TAT_PREFLIGHT: "off" });
    const ids = cvmIds(100, 4000);
    await agents([ids[10] ?? ""], "Offline");
    const batchId = await s.submit(ids, {}, store);
    expect(await s.waitForBatch(batchId, 10_000, store)).toMatchObject({
      Instances: { Succeeded: 99, Failed: 1 },
    });
    expect(await calls("DescribeAutomationAgentStatus")).toEqual({});
    await expectCovered(
      s,
      ids.filter((id) => id !== ids[10]),
    );
  });
});

describe("retry of failed instances", () => {
  it("creates invokers for instances whose agents came back, once, and is safe to call twice", async () => {
    const s = stack();
    const { store } = await s.lane(fast);
    const ids = cvmIds(150, 5000);
    const down = [ids[5] ?? "", ids[120] ?? ""];
    await agents(down, "Offline");
    const batchId = await s.submit(ids, {}, store);
    expect(await s.waitForBatch(batchId, 10_000, store)).toMatchObject({ Status: "PARTIALLY_FAILED" });
    await agents(down, "Online");
    const [first, second] = await Promise.all([store.retry(batchId), store.retry(batchId)]);
    // Each failed instance goes back once, whichever call moved its chunk.
    expect([first, second].reduce((n, r) => n + (r.kind === "requeued" ? r.instances : 0), 0)).toBe(2);
    expect(await s.waitForBatch(batchId, 10_000, store)).toMatchObject({
      Status: "SUCCEEDED",
      Instances: { Succeeded: 150, Failed: 0 },
    });
    await expectCovered(s, ids);
  });
});
