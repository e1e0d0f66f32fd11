import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createParams, type SimHarness, startSim } from "./sim-harness.js";

let h: SimHarness;
beforeAll(async () => {
  h = await startSim({
    TAT_SIM_RATE_LIMIT: "1000",
    TAT_SIM_TASK_DURATION_MS: "300",
    TAT_SIM_TASK_DURATION_JITTER_MS: "0",
    TAT_SIM_TASK_TIMEOUT_MS: "600",
    TAT_SIM_TASK_FAIL_RATE: "0.2",
    TAT_SIM_TASK_TIMEOUT_RATE: "0.1",
    TAT_SIM_TASK_LARGE_OUTPUT_RATE: "0.05",
    TAT_SIM_OFFLINE_RATE: "0.05",
    TAT_SIM_RECORD_DELAY_MS: "300",
  });
});
afterAll(() => h.close());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ids = (n: number, offset = 0) =>
  Array.from({ length: n }, (_, i) => `ins-${(i + offset).toString(36).padStart(8, "0")}`);

interface TruthTask {
  InstanceId: string;
  InvocationTaskId: string;
  TaskStatus: string;
  Final: string;
  ExitCode: number;
  Output: string;
}
interface Truth {
  InvocationId: string;
  InvokerId: string | null;
  InvocationSource: string;
  Tasks: TruthTask[];
}

describe("invokers fire, and their runs can be read back", () => {
  it("fires a ONCE invoker at its InvokeTime: a record a moment later, an invocation whose tasks end as planned", async () => {
    const client = h.client();
    const { statuses } = await h.admin<{ statuses: Record<string, string> }>("POST", "/agents/status", {
      InstanceIds: ids(150),
    });
    const instances = ids(150)
      .filter((id) => statuses[id] === "Online")
      .slice(0, 100);
    const invokeTime = new Date(Date.now() + 1500).toISOString().replace(/\.\d{3}Z$/, "Z");
    const created = await client.call<{ InvokerId: string }>(
      "CreateInvoker",
      "ap-guangzhou",
      createParams(instances, { ScheduleSettings: { Policy: "ONCE", InvokeTime: invokeTime } }),
    );
    if (!created.ok) throw new Error(created.code);
    const invokerId = created.response.InvokerId;
    // Agents that go offline between the invoker's creation and its firing: DELIVER_FAILED.
    await h.admin("POST", "/agents", { InstanceIds: instances.slice(0, 3), AgentStatus: "Offline" });
    const records = () =>
      client.call<{
        TotalCount: number;
        InvokerRecordSet: Array<{ InvocationId: string; InvokeTime: string }>;
      }>("DescribeInvokerRecords", "ap-guangzhou", { InvokerIds: [invokerId], Limit: 100 });
    expect(await records()).toMatchObject({ ok: true, response: { TotalCount: 0 } });
    await sleep(2200);
    const fired = await records();
    if (!fired.ok) throw new Error(fired.code);
    expect(fired.response.TotalCount).toBe(1);
    const [record] = fired.response.InvokerRecordSet;
    expect(Date.parse(record?.InvokeTime ?? "")).toBeGreaterThanOrEqual(Date.parse(invokeTime));
    await sleep(800);
    const invocation = await client.call<{
      InvocationSet: Array<{
        InvocationStatus: string;
        InvocationTaskBasicInfoSet: Array<{
          InvocationTaskId: string;
          TaskStatus: string;
          InstanceId: string;
        }>;
      }>;
    }>("DescribeInvocations", "ap-guangzhou", { InvocationIds: [record?.InvocationId] });
    if (!invocation.ok) throw new Error(invocation.code);
    const [described] = invocation.response.InvocationSet;
    const truth = (await h.admin<{ invocations: Truth[] }>("GET", "/invocations")).invocations.find(
      (i) => i.InvocationId === record?.InvocationId,
    );
    expect(truth).toMatchObject({ InvokerId: invokerId, InvocationSource: "INVOKER" });
    const answered = new Map(described?.InvocationTaskBasicInfoSet.map((t) => [t.InstanceId, t.TaskStatus]));
    for (const task of truth?.Tasks ?? []) expect(answered.get(task.InstanceId)).toBe(task.Final);
    const finals = new Set(truth?.Tasks.map((t) => t.Final));
    expect(finals).toEqual(new Set(["SUCCESS", "FAILED", "TIMEOUT", "DELIVER_FAILED"]));
    expect(described?.InvocationStatus).toBe("PARTIAL_FAILED");
    // Outputs: hidden by default, base64 and cut at 24 KB with Dropped when asked.
    const taskIds = truth?.Tasks.map((t) => t.InvocationTaskId) ?? [];
    const tasks = await client.call<{
      InvocationTaskSet: Array<{
        InstanceId: string;
        TaskStatus: string;
        TaskResult: { Output: string; Dropped: number; ExitCode: number };
      }>;
    }>("DescribeInvocationTasks", "ap-guangzhou", {
      InvocationTaskIds: taskIds,
      HideOutput: false,
      Limit: 100,
    });
    if (!tasks.ok) throw new Error(tasks.code);
    for (const task of tasks.response.InvocationTaskSet) {
      const planned = truth?.Tasks.find((t) => t.InstanceId === task.InstanceId);
      const output = Buffer.from(task.TaskResult.Output, "base64").toString("utf8");
      expect(output.length + task.TaskResult.Dropped).toBe((planned?.Output ?? "").length);
      expect(Buffer.from(task.TaskResult.Output, "base64").length).toBeLessThanOrEqual(24 * 1024);
      expect(task.TaskResult.ExitCode).toBe(planned?.ExitCode);
    }
    expect(tasks.response.InvocationTaskSet.some((t) => t.TaskResult.Dropped > 0)).toBe(true);
    const hidden = await client.call<{ InvocationTaskSet: Array<{ TaskResult: { Output: string } }> }>(
      "DescribeInvocationTasks",
      "ap-guangzhou",
      { InvocationTaskIds: taskIds.slice(0, 5) },
    );
    expect(hidden.ok && hidden.response.InvocationTaskSet.every((t) => t.TaskResult.Output === "")).toBe(
      true,
    );
  });

  it("does not fire a disabled invoker", async () => {
    const client = h.client();
    const invokeTime = new Date(Date.now() + 2000).toISOString().replace(/\.\d{3}Z$/, "Z");
    const created = await client.call<{ InvokerId: string }>(
      "CreateInvoker",
      "ap-guangzhou",
      createParams(ids(2, 500), { ScheduleSettings: { Policy: "ONCE", InvokeTime: invokeTime } }),
    );
    if (!created.ok) throw new Error(created.code);
    await client.call("DisableInvoker", "ap-guangzhou", { InvokerId: created.response.InvokerId });
    await sleep(2500);
    const records = await client.call<{ TotalCount: number }>("DescribeInvokerRecords", "ap-guangzhou", {
      InvokerIds: [created.response.InvokerId],
    });
    expect(records.ok && records.response.TotalCount).toBe(0);
  });

  it("runs InvokeCommand now, refusing a call with an offline agent as TAT does", async () => {
    const client = h.client();
    const healthy = ids(200, 1000);
    const truthBefore = (await h.admin<{ invocations: Truth[] }>("GET", "/invocations")).invocations.length;
    const refused = await client.call("InvokeCommand", "ap-guangzhou", {
      CommandId: "cmd-m7uma92n",
      InstanceIds: healthy.slice(0, 100),
    });
    // Some of 100 instances have an offline agent (5%): the whole call fails without naming it.
    expect(refused.ok ? "ok" : refused.code).toBe("ResourceUnavailable.AgentStatusNotOnline");
    const statuses = await h.admin<{ statuses: Record<string, string> }>("POST", "/agents/status", {
      InstanceIds: healthy,
    });
    const online = healthy.filter((id) => statuses.statuses[id] === "Online").slice(0, 50);
    const run = await client.call<{ InvocationId: string }>("InvokeCommand", "ap-guangzhou", {
      CommandId: "cmd-m7uma92n",
      InstanceIds: online,
    });
    if (!run.ok) throw new Error(run.code);
    const truth = (await h.admin<{ invocations: Truth[] }>("GET", "/invocations")).invocations;
    expect(truth).toHaveLength(truthBefore + 1);
    expect(truth[0]).toMatchObject({
      InvocationId: run.response.InvocationId,
      InvocationSource: "USER",
      InvokerId: null,
    });
    expect(truth[0]?.Tasks.map((t) => t.InstanceId)).toEqual(online);
  });
});
