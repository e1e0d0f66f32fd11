import { cvmIds } from "@tat-bulk/test-support";
import { fixture } from "@tat-bulk/test-support/fixture";
import { beforeEach, describe, expect, it } from "vitest";
import { createParams, startSim } from "./sim-harness.js";

/** An open world with 10% offline agents and 5% missing instances, picked by ID. */
const h = fixture(() =>
  startSim({
    TAT_SIM_OFFLINE_RATE: "0.1",
    TAT_SIM_MISSING_RATE: "0.05",
    TAT_SIM_RATE_LIMITS: "DescribeAutomationAgentStatus=10000,CreateInvoker=10000",
  }),
);
beforeEach(async () => {
  await h().admin("POST", "/reset");
});

type AgentSet = { AutomationAgentSet: Array<{ InstanceId: string; AgentStatus: string }> };
const check = (ids: string[], client = h().client()) =>
  client.call<AgentSet>("DescribeAutomationAgentStatus", "ap-guangzhou", { InstanceIds: ids, Limit: 100 });

async function reported(ids: string[]) {
  const answer = await check(ids);
  return new Map(
    answer.ok ? answer.response.AutomationAgentSet.map((a) => [a.InstanceId, a.AgentStatus]) : [],
  );
}

describe("an unhealthy fleet without a world file", () => {
  it("picks offline and missing instances by a hash of the ID, at the configured rates, the same in every simulator", async () => {
    const ids = cvmIds(2000);
    const seen = new Map<string, string>();
    for (let i = 0; i < ids.length; i += 100)
      for (const [id, s] of await reported(ids.slice(i, i + 100))) seen.set(id, s);
    const offline = [...seen].filter(([, s]) => s === "Offline").length;
    const missing = ids.length - seen.size;
    // Within 5 sigma of the binomial expectations.
    expect(Math.abs(offline - 0.1 * 0.95 * 2000)).toBeLessThan(5 * Math.sqrt(2000 * 0.095 * 0.905));
    expect(Math.abs(missing - 0.05 * 2000)).toBeLessThan(5 * Math.sqrt(2000 * 0.05 * 0.95));
    const other = await startSim({ TAT_SIM_OFFLINE_RATE: "0.1", TAT_SIM_MISSING_RATE: "0.05" });
    const again = await check(ids.slice(0, 100), other.client());
    await other.close();
    const first = await check(ids.slice(0, 100));
    expect(again.ok && again.response.AutomationAgentSet).toEqual(
      first.ok && first.response.AutomationAgentSet,
    );
  });

  it("CreateInvoker fails the whole call for one such instance, naming none", async () => {
    const ids = cvmIds(200);
    const statuses = await reported(ids.slice(0, 100));
    const offline = [...statuses].find(([, s]) => s === "Offline")?.[0] ?? "";
    const result = await h()
      .client()
      .call("CreateInvoker", "ap-guangzhou", createParams([offline, ids[99] ?? ""]));
    expect(result).toMatchObject({ ok: false, code: "ResourceUnavailable.AgentStatusNotOnline" });
    expect(result.ok ? "" : result.message).not.toContain(offline);
  });
});

describe("agents steered at run time", () => {
  it("takes overrides, and a vanished instance still reports an online agent but cannot take an invoker", async () => {
    const [a = "", b = "", c = ""] = cvmIds(3, 9000);
    await h().admin("POST", "/agents", { InstanceIds: [a], AgentStatus: "Offline" });
    await h().admin("POST", "/agents", { InstanceIds: [b], AgentStatus: "Missing" });
    await h().admin("POST", "/agents", { InstanceIds: [c], AgentStatus: "Vanished" });
    expect(Object.fromEntries(await reported([a, b, c]))).toEqual({ [a]: "Offline", [c]: "Online" });
    const created = await h()
      .client()
      .call("CreateInvoker", "ap-guangzhou", createParams([c]));
    expect(created).toMatchObject({ ok: false, code: "ResourceNotFound.InstanceNotFound" });
    await h().admin("POST", "/reset");
    expect((await reported([a, b, c])).size).toBe(3);
  });

  it("takes agents offline right after a check answers (agents-change-after)", async () => {
    const [a = "", b = ""] = cvmIds(2, 9100);
    await h().admin("POST", "/faults/script", {
      action: "DescribeAutomationAgentStatus",
      fault: "agents-change-after",
      instanceIds: [a],
      agentStatus: "Offline",
    });
    expect(Object.fromEntries(await reported([a, b]))).toEqual({ [a]: "Online", [b]: "Online" });
    expect(Object.fromEntries(await reported([a, b]))).toEqual({ [a]: "Offline", [b]: "Online" });
  });
});

describe("a check that names a missing instance", () => {
  it("fails the whole call with InstanceNotFound when TAT_SIM_AGENT_CHECK_MISSING=error", async () => {
    const strict = await startSim({ TAT_SIM_AGENT_CHECK_MISSING: "error" });
    const [a = "", b = ""] = cvmIds(2, 9200);
    await strict.admin("POST", "/agents", { InstanceIds: [b], AgentStatus: "Missing" });
    expect(await check([a, b], strict.client())).toMatchObject({
      ok: false,
      code: "ResourceNotFound.InstanceNotFound",
    });
    expect(await check([a], strict.client())).toMatchObject({ ok: true });
    await strict.close();
  });
});
