import {
  cvmIds,
  intakeCaller,
  type ProcessStack,
  sampleBatch,
  simAdmin,
  startProcessStack,
} from "@tat-bulk/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const KEY = "runs-test-key-0123456789abcdef";
const INSTANCES = 5000;
let stack: ProcessStack;
beforeAll(async () => {
  stack = await startProcessStack({
    name: "runs-e2e",
    intakeEnv: { INTAKE_API_KEYS: KEY, INTAKE_CALLER_REQUESTS_PER_SECOND: "1000" },
    simEnv: {
      TAT_SIM_TASK_FAIL_RATE: "0.03",
      TAT_SIM_TASK_TIMEOUT_RATE: "0.01",
      TAT_SIM_OFFLINE_RATE: "0.01",
      TAT_SIM_MISSING_RATE: "0.002",
      TAT_SIM_TASK_LARGE_OUTPUT_RATE: "0.01",
    },
    // A call that may have reached TAT is looked up once it can no longer be in flight: sooner here.
    workerEnv: { TAT_TIMEOUT_MS: "3000" },
  });
});
afterAll(() => stack.close());

interface TruthTask {
  InstanceId: string;
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
interface Run {
  RunId: string;
  Status: string;
  Source: string;
  Instances: Record<string, number>;
  TaskStatuses: Record<string, number>;
  FailureGroups?: Array<{ TaskStatus: string; ExitCode: number | null; OutputSample: string; Count: number }>;
}
interface RunInstance {
  InstanceId: string;
  TaskStatus: string;
  ExitCode: number | null;
  Output: string;
  Dropped: number;
  InvocationTaskId: string | null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitForRun(
  api: ReturnType<typeof intakeCaller>,
  path: string,
  timeoutMs: number,
): Promise<Run> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await api.call<Run>("GET", path);
    if (answer.status === 200 && !["PENDING", "RUNNING"].includes(answer.body.Status)) return answer.body;
    if (Date.now() > deadline) throw new Error(`run not final: ${JSON.stringify(answer.body).slice(0, 300)}`);
    await sleep(500);
  }
}

async function allInstances(api: ReturnType<typeof intakeCaller>, path: string, status: string) {
  const items: RunInstance[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await api.get<{ TotalCount: number; Instances: RunInstance[] }>(
      `${path}/instances?status=${status}&offset=${offset}&limit=1000`,
    );
    items.push(...page.Instances);
    if (items.length >= page.TotalCount || page.Instances.length === 0) return items;
  }
}

describe("a ONCE batch's run, followed to the end, and a rerun of what failed", () => {
  it("reports per instance what the simulator ran, with outputs, and reruns each failed instance exactly once", async () => {
    const api = intakeCaller(stack.intake.ready, KEY);
    const admin = simAdmin(stack.sim.ready);
    const invokeTime = new Date(Math.ceil((Date.now() + 30_000) / 1000) * 1000)
      .toISOString()
      .replace(/\.000Z$/, "Z");
    const { BatchId } = await api.post<{ BatchId: string }>("/v1/invoker-batches", {
      ...sampleBatch(cvmIds(INSTANCES)),
      ScheduleSettings: { Policy: "ONCE", InvokeTime: invokeTime },
    });
    const batch = await api.waitForBatch(BatchId, 60_000);
    expect(batch.Status).toBe("PARTIALLY_FAILED");
    const runId = invokeTime.replace(/[-:]/g, "");
    const runPath = `/v1/invoker-batches/${BatchId}/runs/${runId}`;
    // While it goes on, a rerun is refused, and nothing is sent.
    // The run is made once its time has come: wait past it (up to 20 s more) for it to show.
    const runDeadline = Date.parse(invokeTime) + 20_000;
    while (Date.now() < runDeadline && (await api.call("GET", runPath)).status === 404) await sleep(200);
    const early = await api.call<{ Error: { Code: string } }>("POST", `${runPath}/rerun`, {});
    expect([early.status, early.body.Error?.Code]).toEqual([409, "FailedOperation.RunInProgress"]);
    const run = await waitForRun(api, runPath, 60_000);

    // The simulator's truth: the tasks of the invocations this batch's invokers fired.
    const truth = (await admin<{ invocations: Truth[] }>("GET", "/invocations")).invocations;
    const fired = truth.filter((i) => i.InvocationSource === "INVOKER").flatMap((i) => i.Tasks);
    expect(fired).toHaveLength(batch.Instances.Succeeded);
    const byStatus = (tasks: TruthTask[]) => {
      const counts: Record<string, number> = {};
      for (const t of tasks) counts[t.Final] = (counts[t.Final] ?? 0) + 1;
      return counts;
    };
    expect(run).toMatchObject({ Source: "INVOKER", TaskStatuses: byStatus(fired) });
    const failedTruth = fired.filter((t) => t.Final !== "SUCCESS");
    expect(run.Status).toBe("PARTIALLY_FAILED");
    expect(run.Instances).toEqual({
      Succeeded: fired.length - failedTruth.length,
      Failed: failedTruth.length,
      Cancelled: 0,
      Pending: 0,
      NotFired: 0,
    });

    // The Failed list and its outputs, instance by instance.
    const failed = await allInstances(api, runPath, "Failed");
    expect(failed.map((i) => i.InstanceId).sort()).toEqual(failedTruth.map((t) => t.InstanceId).sort());
    const truthOf = new Map(failedTruth.map((t) => [t.InstanceId, t]));
    for (const instance of failed) {
      const planned = truthOf.get(instance.InstanceId);
      expect(instance.TaskStatus).toBe(planned?.Final);
      expect(instance.ExitCode).toBe(planned?.ExitCode);
      expect(instance.Output.length + instance.Dropped).toBe(planned?.Output.length);
      expect(planned?.Output.startsWith(instance.Output)).toBe(true);
    }
    // Failures that are one bug read as one group whatever instance they name.
    const groups = run.FailureGroups ?? [];
    expect(groups.reduce((n, g) => n + g.Count, 0)).toBe(failedTruth.length);
    expect(groups.length).toBeLessThanOrEqual(3 * 2);
    const last = await api.get<{ LastRun: { RunId: string; Status: string } }>(
      `/v1/invoker-batches/${BatchId}?chunkLimit=0`,
    );
    expect(last.LastRun).toMatchObject({ RunId: runId, Status: "PARTIALLY_FAILED" });

    // Rerun what failed: each failed instance runs exactly once more.
    const accepted = await api.call<{ RunId: string; InstanceCount: number }>("POST", `${runPath}/rerun`, {});
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({ RunId: "rerun-1", InstanceCount: failedTruth.length });
    const rerun = await waitForRun(api, `/v1/invoker-batches/${BatchId}/runs/rerun-1`, 60_000);
    expect(rerun).toMatchObject({ Source: "RERUN" });
    const reran = (await admin<{ invocations: Truth[] }>("GET", "/invocations")).invocations
      .filter((i) => i.InvocationSource === "USER")
      .flatMap((i) => i.Tasks.map((t) => t.InstanceId));
    expect(reran.sort()).toEqual(failedTruth.map((t) => t.InstanceId).sort());
    const runs = await api.get<{ TotalCount: number; Runs: Run[] }>(`/v1/invoker-batches/${BatchId}/runs`);
    expect(runs.Runs.map((r) => r.RunId)).toEqual(["rerun-1", runId]);
  }, 180_000);

  it("reruns a listed set duplicate-safe: an InvokeCommand answered InternalError after it ran is looked up, not sent again", async () => {
    const api = intakeCaller(stack.intake.ready, KEY);
    const admin = simAdmin(stack.sim.ready);
    const invokeTime = new Date(Math.ceil((Date.now() + 6000) / 1000) * 1000)
      .toISOString()
      .replace(/\.000Z$/, "Z");
    const { BatchId } = await api.post<{ BatchId: string }>("/v1/invoker-batches", {
      ...sampleBatch(cvmIds(300, 50_000)),
      ScheduleSettings: { Policy: "ONCE", InvokeTime: invokeTime },
    });
    await api.waitForBatch(BatchId, 30_000);
    const runPath = `/v1/invoker-batches/${BatchId}/runs/${invokeTime.replace(/[-:]/g, "")}`;
    await waitForRun(api, runPath, 60_000);
    const chosen = (await allInstances(api, runPath, "Succeeded")).slice(0, 150).map((i) => i.InstanceId);
    const before = (await admin<{ invocations: Truth[] }>("GET", "/invocations")).invocations.filter(
      (i) => i.InvocationSource === "USER",
    ).length;
    await admin("PATCH", "/faults", { actions: ["CreateInvoker", "InvokeCommand"] });
    await admin("POST", "/faults/script", {
      action: "InvokeCommand",
      fault: "internal-error-after",
      count: 1,
    });
    const accepted = await api.post<{ RunId: string; InstanceCount: number }>(`${runPath}/rerun`, {
      Instances: chosen,
    });
    expect(accepted.InstanceCount).toBe(150);
    await waitForRun(api, `/v1/invoker-batches/${BatchId}/runs/${accepted.RunId}`, 60_000);
    const reran = (await admin<{ invocations: Truth[] }>("GET", "/invocations")).invocations.filter(
      (i) => i.InvocationSource === "USER",
    );
    expect(reran.length - before).toBe(2);
    const stats = await admin<{ calls: Record<string, Record<string, number>> }>("GET", "/stats");
    expect(stats.calls.InvokeCommand).toMatchObject({ InternalError: 1 });
    expect(
      reran
        .slice(0, 2)
        .flatMap((i) => i.Tasks.map((t) => t.InstanceId))
        .sort(),
    ).toEqual([...chosen].sort());
  }, 120_000);

  it("follows the run of a ONCE invoker made before its time whose answer was lost until after it", async () => {
    const api = intakeCaller(stack.intake.ready, KEY);
    const admin = simAdmin(stack.sim.ready);
    // The invoker is made at once; its answer never comes, and the worker finds it only after the
    // call timeout (3 s): after the invoker fired, 2 s after the submit (a whole second, as TAT writes it).
    await admin("PATCH", "/faults", { actions: ["CreateInvoker", "InvokeCommand"] });
    await admin("POST", "/faults/script", { action: "CreateInvoker", fault: "hang-after", count: 1 });
    await sleep(1000 - (Date.now() % 1000));
    const invokeTime = new Date(Math.floor(Date.now() / 1000) * 1000 + 2000)
      .toISOString()
      .replace(/\.000Z$/, "Z");
    const { BatchId } = await api.post<{ BatchId: string }>("/v1/invoker-batches", {
      ...sampleBatch(cvmIds(50, 70_000)),
      ScheduleSettings: { Policy: "ONCE", InvokeTime: invokeTime },
    });
    const batch = await api.waitForBatch(BatchId, 60_000);
    expect(batch.FinishedAt && Date.parse(batch.FinishedAt)).toBeGreaterThan(Date.parse(invokeTime));
    const runPath = `/v1/invoker-batches/${BatchId}/runs/${invokeTime.replace(/[-:]/g, "")}`;
    const runDeadline = Date.now() + 20_000;
    while (Date.now() < runDeadline && (await api.call("GET", runPath)).status === 404) await sleep(200);
    const run = await waitForRun(api, runPath, 60_000);
    expect(run.Instances.NotFired).toBe(0);
    expect(run.Instances.Pending).toBe(0);
    const inRun = Object.values(run.Instances).reduce((a, b) => a + b, 0);
    expect(inRun).toBe(batch.Instances.Succeeded);
    expect(inRun).toBeGreaterThan(40);
  }, 120_000);

  it("answers bad input with a clear 4xx and sends nothing", async () => {
    const api = intakeCaller(stack.intake.ready, KEY);
    const { BatchId } = await api.post<{ BatchId: string }>(
      "/v1/invoker-batches",
      sampleBatch(cvmIds(10, 90_000)),
    );
    const before = (await simAdmin(stack.sim.ready)<{ invocations: Truth[] }>("GET", "/invocations"))
      .invocations.length;
    const codeOf = async (method: string, path: string, body?: unknown) => {
      const answer = await api.call<{ Error?: { Code: string } }>(method, path, body);
      return [answer.status, answer.body.Error?.Code];
    };
    const base = `/v1/invoker-batches/${BatchId}/runs`;
    expect(await codeOf("GET", `${base}/20990101T000000Z`)).toEqual([404, "ResourceNotFound"]);
    expect(await codeOf("POST", `${base}/20990101T000000Z/rerun`, {})).toEqual([404, "ResourceNotFound"]);
    expect(await codeOf("GET", `${base}/not-a-run`)).toEqual([404, "ResourceNotFound"]);
    expect(await codeOf("GET", `${base}/20990101T000000Z/instances?status=Bogus`)).toEqual([
      400,
      "InvalidParameterValue",
    ]);
    // A run still in progress, and an instance outside a run, on a batch whose run is there.
    const batches = await api.get<{ Batches: Array<{ BatchId: string; LastRun?: unknown }> }>(
      "/v1/invoker-batches?limit=100",
    );
    const withRun = batches.Batches.map((b) => b.BatchId).find((id) => id !== BatchId) ?? "";
    const [first] = (await api.get<{ Runs: Run[] }>(`/v1/invoker-batches/${withRun}/runs`)).Runs.slice(-1);
    const runPath = `/v1/invoker-batches/${withRun}/runs/${first?.RunId}`;
    expect(await codeOf("POST", `${runPath}/rerun`, { Instances: ["ins-zzzzzzzz"] })).toEqual([
      400,
      "InvalidParameterValue",
    ]);
    expect(await codeOf("POST", `${runPath}/rerun`, { Instances: "some" })).toEqual([
      400,
      "InvalidParameterValue",
    ]);
    expect(await codeOf("POST", `${runPath}/rerun`, { Bogus: 1 })).toEqual([400, "UnknownParameter"]);
    const after = (await simAdmin(stack.sim.ready)<{ invocations: Truth[] }>("GET", "/invocations"))
      .invocations.length;
    expect(after).toBe(before);
  });
});
