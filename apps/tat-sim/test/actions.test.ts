import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createParams, type SimHarness, startSim } from "./sim-harness.js";

let h: SimHarness;
beforeAll(async () => {
  h = await startSim(
    { TAT_SIM_RATE_LIMIT: "1000" },
    {
      commands: [
        { CommandId: "cmd-m7uma92n", EnableParameter: true },
        { CommandId: "cmd-noparams", EnableParameter: false },
      ],
      instances: [
        { InstanceId: "ins-yx05ky8j" },
        { InstanceId: "ins-00000002" },
        { InstanceId: "lhins-0000000a" },
        { InstanceId: "ins-offline1", AgentStatus: "Offline" },
        { InstanceId: "ins-noagent1", AgentStatus: "NotInstalled" },
      ],
    },
  );
});
afterAll(async () => {
  await h.close();
});
beforeEach(async () => {
  await h.admin("POST", "/reset");
});

describe("CreateInvoker through the official SDK", () => {
  it("creates an invoker and answers its ID and a RequestId", async () => {
    const result = await h
      .client()
      .call<{ InvokerId: string }>("CreateInvoker", "ap-guangzhou", createParams());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.response.InvokerId).toMatch(/^ivk-[a-z0-9]{8}$/);
    expect(result.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const { invokers } = await h.admin<{ invokers: Array<{ InvokerId: string; Region: string }> }>(
      "GET",
      "/invokers",
    );
    expect(invokers).toMatchObject([{ InvokerId: result.response.InvokerId, Region: "ap-guangzhou" }]);
  });

  const errorCases: Array<[string, Record<string, unknown>, string]> = [
    [
      "mixed instance types",
      createParams(["ins-yx05ky8j", "lhins-0000000a"]),
      "InvalidParameterValue.InconsistentInstance",
    ],
    [
      "an unknown command",
      createParams(undefined, { CommandId: "cmd-zzzzzzzz" }),
      "ResourceNotFound.CommandNotFound",
    ],
    ["an unknown instance", createParams(["ins-zzzzzzzz"]), "ResourceNotFound.InstanceNotFound"],
    ["an agent not installed", createParams(["ins-noagent1"]), "ResourceUnavailable.AgentNotInstalled"],
    ["an offline agent", createParams(["ins-offline1"]), "ResourceUnavailable.AgentStatusNotOnline"],
    [
      "Parameters on a command without EnableParameter",
      createParams(undefined, { CommandId: "cmd-noparams", Parameters: '{"a":"1"}' }),
      "InvalidParameterValue.ParameterDisabled",
    ],
    ["101 instances", createParams(Array(101).fill("ins-yx05ky8j")), "InvalidParameterValue.Range"],
    [
      "a bad command ID",
      createParams(undefined, { CommandId: "cmd-1" }),
      "InvalidParameterValue.InvalidCommandId",
    ],
    ["a bad instance ID", createParams(["ins-1"]), "InvalidParameterValue.InvalidInstanceId"],
    ["a long name", createParams(undefined, { Name: "n".repeat(121) }), "InvalidParameterValue.TooLong"],
    [
      "a bad cron",
      createParams(undefined, { ScheduleSettings: { Policy: "RECURRENCE", Recurrence: "x" } }),
      "InvalidParameterValue.InvalidCronExpression",
    ],
    [
      "a past InvokeTime",
      createParams(undefined, { ScheduleSettings: { Policy: "ONCE", InvokeTime: "2020-01-01T00:00:00Z" } }),
      "InvalidParameterValue.InvokeTimeExpired",
    ],
    [
      "a bad InvokeTime",
      createParams(undefined, { ScheduleSettings: { Policy: "ONCE", InvokeTime: "tomorrow" } }),
      "InvalidParameterValue.InvalidTimeFormat",
    ],
    [
      "bad Parameters JSON",
      createParams(undefined, { Parameters: "{" }),
      "InvalidParameterValue.ParameterInvalidJsonFormat",
    ],
    [
      "11 tags",
      createParams(undefined, { Tags: Array.from({ length: 11 }, (_, i) => ({ Key: `k${i}`, Value: "v" })) }),
      "InvalidParameterValue.Range",
    ],
    ["an unknown parameter", createParams(undefined, { Bogus: 1 }), "UnknownParameter"],
    ["no Name", { ...createParams(), Name: undefined }, "MissingParameter"],
    ["Type not SCHEDULE", createParams(undefined, { Type: "X" }), "InvalidParameterValue"],
  ];
  it.each(errorCases)("answers %s with %s", async (_name, params, code) => {
    const result = await h.client().call("CreateInvoker", "ap-guangzhou", params);
    expect(result).toMatchObject({ ok: false, code, transport: false, requestId: expect.any(String) });
    expect((await h.admin<{ invokers: unknown[] }>("GET", "/invokers")).invokers).toEqual([]);
  });
});

describe("the other actions", () => {
  it("DescribeInvokers by ID, by filters, paginated, with tags", async () => {
    const client = h.client();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await client.call<{ InvokerId: string }>(
        "CreateInvoker",
        "ap-guangzhou",
        createParams(["ins-yx05ky8j"], { Tags: [{ Key: "chunk", Value: String(i) }] }),
      );
      if (r.ok) ids.push(r.response.InvokerId);
    }
    await client.call(
      "CreateInvoker",
      "ap-guangzhou",
      createParams(["ins-00000002"], { CommandId: "cmd-noparams" }),
    );
    type Page = {
      TotalCount: number;
      InvokerSet: Array<{ InvokerId: string; Tags: unknown[]; InstanceIds: string[] }>;
    };
    const byId = await client.call<Page>("DescribeInvokers", "ap-guangzhou", { InvokerIds: [ids[2]] });
    expect(byId.ok && byId.response.InvokerSet).toMatchObject([
      { InvokerId: ids[2], Tags: [{ Key: "chunk", Value: "2" }], InstanceIds: ["ins-yx05ky8j"] },
    ]);
    const filter = { Filters: [{ Name: "command-id", Values: ["cmd-m7uma92n"] }], Limit: 2 };
    const seen = new Set<string>();
    for (let offset = 0; offset < 10; offset += 2) {
      const page = await client.call<Page>("DescribeInvokers", "ap-guangzhou", { ...filter, Offset: offset });
      if (!page.ok) throw new Error(page.code);
      expect(page.response.TotalCount).toBe(5);
      for (const invoker of page.response.InvokerSet) seen.add(invoker.InvokerId);
    }
    expect([...seen].sort()).toEqual([...ids].sort());
    const tooMany = await client.call("DescribeInvokers", "ap-guangzhou", { Limit: 101 });
    expect(tooMany).toMatchObject({ ok: false, code: "InvalidParameterValue.Range" });
    const badFilter = await client.call("DescribeInvokers", "ap-guangzhou", {
      Filters: [{ Name: "name", Values: ["x"] }],
    });
    expect(badFilter).toMatchObject({ ok: false, code: "InvalidParameterValue" });
  });

  it("DeleteInvoker removes it, then answers InvokerNotFound", async () => {
    const client = h.client();
    const created = await client.call<{ InvokerId: string }>("CreateInvoker", "ap-guangzhou", createParams());
    const id = created.ok ? created.response.InvokerId : "";
    expect(await client.call("DeleteInvoker", "ap-guangzhou", { InvokerId: id })).toMatchObject({ ok: true });
    expect(await client.call("DeleteInvoker", "ap-guangzhou", { InvokerId: id })).toMatchObject({
      ok: false,
      code: "ResourceNotFound.InvokerNotFound",
    });
  });

  it("DisableInvoker and EnableInvoker switch it (twice is fine), and answer InvokerNotFound for none", async () => {
    const client = h.client();
    const created = await client.call<{ InvokerId: string }>("CreateInvoker", "ap-guangzhou", createParams());
    const id = created.ok ? created.response.InvokerId : "";
    const enabled = async () =>
      (await h.admin<{ invokers: Array<{ Enable: boolean }> }>("GET", "/invokers")).invokers[0]?.Enable;
    for (const [action, state] of [
      ["DisableInvoker", false],
      ["DisableInvoker", false],
      ["EnableInvoker", true],
    ] as const) {
      expect(await client.call(action, "ap-guangzhou", { InvokerId: id })).toMatchObject({ ok: true });
      expect(await enabled()).toBe(state);
    }
    expect(await client.call("EnableInvoker", "ap-guangzhou", { InvokerId: "ivk-zzzzzzzz" })).toMatchObject({
      ok: false,
      code: "ResourceNotFound.InvokerNotFound",
    });
    expect(await client.call("DisableInvoker", "ap-guangzhou", { InvokerId: "nope" })).toMatchObject({
      ok: false,
      code: "InvalidParameterValue.InvalidInvokerId",
    });
  });

  it("DescribeCommands shows EnableParameter", async () => {
    const r = await h.client().call<{ CommandSet: unknown[] }>("DescribeCommands", "ap-guangzhou", {
      CommandIds: ["cmd-noparams", "cmd-zzzzzzzz"],
    });
    expect(r.ok && r.response.CommandSet).toMatchObject([
      { CommandId: "cmd-noparams", EnableParameter: false },
    ]);
  });

  it("DescribeAutomationAgentStatus shows each agent", async () => {
    const r = await h
      .client()
      .call<{ AutomationAgentSet: unknown[] }>("DescribeAutomationAgentStatus", "ap-guangzhou", {
        InstanceIds: ["ins-yx05ky8j", "ins-offline1", "ins-noagent1"],
      });
    expect(r.ok && r.response.AutomationAgentSet).toMatchObject([
      { InstanceId: "ins-yx05ky8j", AgentStatus: "Online" },
      { InstanceId: "ins-offline1", AgentStatus: "Offline" },
    ]);
  });

  it("answers an unknown action with InvalidAction", async () => {
    expect(await h.client().call("RunCommand", "ap-guangzhou", {})).toMatchObject({
      ok: false,
      code: "InvalidAction",
    });
  });

  it("counts duplicates: instances held by two invokers of one command", async () => {
    const client = h.client();
    await client.call("CreateInvoker", "ap-guangzhou", createParams(["ins-yx05ky8j", "ins-00000002"]));
    await client.call("CreateInvoker", "ap-guangzhou", createParams(["ins-00000002"]));
    const stats = await h.admin<{ duplicates: number; calls: Record<string, Record<string, number>> }>(
      "GET",
      "/stats",
    );
    expect(stats.duplicates).toBe(1);
    expect(stats.calls.CreateInvoker).toEqual({ Success: 2 });
  });
});
