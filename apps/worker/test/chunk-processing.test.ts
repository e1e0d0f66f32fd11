import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { WorkerApp } from "../src/app.js";
import { CHUNK_TAG_KEY, chunkTagValue } from "../src/chunk-identity.js";
import { baseRequest, cvmIds, metricValue, type Stack, simClient, startStack } from "./worker-harness.js";

let stack: Stack;
let worker: WorkerApp;
beforeAll(async () => {
  stack = await startStack({
    simEnv: { TAT_SIM_RATE_LIMIT: "1000" },
    world: {
      commands: [
        { CommandId: "cmd-m7uma92n", EnableParameter: true },
        { CommandId: "cmd-noparams", EnableParameter: false },
      ],
      instances: [
        ...cvmIds(10_000).map((InstanceId) => ({ InstanceId })),
        { InstanceId: "ins-offline1", AgentStatus: "Offline" as const },
        { InstanceId: "ins-noagent1", AgentStatus: "NotInstalled" as const },
      ],
    },
  });
  worker = await stack.startWorker({ TAT_TIMEOUT_MS: "400", TAT_MAX_ATTEMPTS: "4", TAT_RATE_LIMIT: "1000" });
});
afterAll(async () => {
  await stack.close();
});
beforeEach(async () => {
  await stack.admin("POST", "/reset");
});

const script = (fault: string, count = 1, action = "CreateInvoker") =>
  stack.admin("POST", "/faults/script", { action, fault, count });

type Invoker = { InvokerId: string; InstanceIds: string[]; Tags: Array<{ Key: string; Value: string }> };
const simInvokers = async () => (await stack.admin<{ invokers: Invoker[] }>("GET", "/invokers")).invokers;

describe("worker: creating invokers", () => {
  it("creates one invoker per chunk, tagged with the chunk, and finishes the batch SUCCEEDED", async () => {
    const batchId = await stack.submit(cvmIds(250), { Tags: [{ Key: "team", Value: "sre" }] });
    const summary = await stack.waitForBatch(batchId);
    expect(summary).toMatchObject({ Status: "SUCCEEDED", Counts: { Succeeded: 3, Queued: 0, Running: 0 } });
    const chunks = await stack.chunks(batchId);
    const invokers = await simInvokers();
    expect(invokers).toHaveLength(3);
    for (const chunk of chunks) {
      expect(chunk).toMatchObject({ Status: "SUCCEEDED", Attempts: 1, Error: null });
      const invoker = invokers.find((i) => i.InvokerId === chunk.InvokerId);
      expect(invoker?.InstanceIds).toEqual(chunk.InstanceIds);
      expect(invoker?.Tags).toEqual([
        { Key: "team", Value: "sre" },
        { Key: CHUNK_TAG_KEY, Value: `${batchId}/${chunk.Index}` },
      ]);
    }
    expect((await stack.admin("GET", "/stats")).duplicates).toBe(0);
    // Its start-up check found that calls wait for their slot with the installed SDK.
    expect(await metricValue(worker, "tat_bulk_send_hold")).toBe(1);
  });
});

describe("worker: retries", () => {
  it.each([
    ["internal-error-before", "InternalError"],
    ["service-unavailable", "ServiceUnavailable"],
    ["hang-before", "Timeout"],
    ["bad-gateway", "HttpError"],
    ["non-json", "InvalidResponse"],
  ])("retries %s (%s) and succeeds on the second attempt with one invoker", async (fault, code) => {
    const retriesBefore = await metricValue(worker, "tat_bulk_chunk_retries_total", { reason: code });
    await script(fault);
    const batchId = await stack.submit(cvmIds(5));
    expect(await stack.waitForBatch(batchId)).toMatchObject({ Status: "SUCCEEDED" });
    expect((await stack.chunks(batchId))[0]).toMatchObject({ Attempts: 2, Status: "SUCCEEDED", Error: null });
    expect(await simInvokers()).toHaveLength(1);
    expect(await metricValue(worker, "tat_bulk_chunk_retries_total", { reason: code })).toBe(
      retriesBefore + 1,
    );
  });

  it("spends no attempt on RequestLimitExceeded", async () => {
    await script("request-limit-exceeded", 3);
    const batchId = await stack.submit(cvmIds(5));
    expect(await stack.waitForBatch(batchId)).toMatchObject({ Status: "SUCCEEDED" });
    expect((await stack.chunks(batchId))[0]).toMatchObject({ Attempts: 1, Status: "SUCCEEDED" });
    expect((await stack.admin("GET", "/stats")).calls.CreateInvoker).toEqual({
      RequestLimitExceeded: 3,
      Success: 1,
    });
  });

  it("fails with TAT's code, message and RequestId when attempts run out", async () => {
    await script("internal-error-before", 10);
    const batchId = await stack.submit(cvmIds(5));
    expect(await stack.waitForBatch(batchId)).toMatchObject({ Status: "FAILED", Counts: { Failed: 1 } });
    const [chunk] = await stack.chunks(batchId);
    expect(chunk).toMatchObject({
      Status: "FAILED",
      Attempts: 4,
      Error: {
        Code: "InternalError",
        Message: expect.stringContaining("Injected"),
        RequestId: expect.any(String),
      },
    });
    expect((await stack.admin("GET", "/stats")).calls.CreateInvoker).toEqual({ InternalError: 4 });
    await stack.admin("DELETE", "/faults/script");
  });
});

describe("worker: final errors are not retried", () => {
  it.each([
    ["ResourceNotFound.CommandNotFound", { CommandId: "cmd-zzzzzzzz" }, cvmIds(2)],
    [
      "InvalidParameterValue.ParameterDisabled",
      { CommandId: "cmd-noparams", Parameters: '{"a":"b"}' },
      cvmIds(2),
    ],
  ])("%s", async (code, request, ids) => {
    const batchId = await stack.submit(ids, request);
    expect(await stack.waitForBatch(batchId)).toMatchObject({ Status: "FAILED" });
    expect((await stack.chunks(batchId))[0]).toMatchObject({
      Status: "FAILED",
      Attempts: 1,
      Error: { Code: code, RequestId: expect.any(String) },
    });
    expect((await stack.admin("GET", "/stats")).calls.CreateInvoker).toEqual({ [code]: 1 });
  });

  it("AuthFailure with a wrong key: one call, FAILED", async () => {
    const stranger = await stack.startWorker({
      TENCENTCLOUD_SECRET_KEY: "wrong",
      QUEUE_NAME: `${stack.queueName}-auth`,
    });
    const store = stack.storeFor(`${stack.queueName}-auth`);
    const batchId = await stack.submit(cvmIds(3), {}, store);
    await stack.waitForBatch(batchId, 10_000, store);
    const page = await store.reads.chunkPage(batchId, { offset: 0, limit: 10 });
    expect(page.items[0]).toMatchObject({
      Status: "FAILED",
      Attempts: 1,
      Error: { Code: "AuthFailure.SignatureFailure" },
    });
    await stranger.close();
  });
});

describe("worker: no duplicates", () => {
  it.each([
    ["internal-error-after", "InternalError"],
    ["hang-after", "Timeout"],
  ])("%s leaves exactly one invoker and counts one adoption", async (fault) => {
    const adoptedBefore = await metricValue(worker, "tat_bulk_invokers_adopted_total");
    await script(fault);
    const batchId = await stack.submit(cvmIds(5));
    expect(await stack.waitForBatch(batchId)).toMatchObject({ Status: "SUCCEEDED" });
    const invokers = await simInvokers();
    expect(invokers).toHaveLength(1);
    expect((await stack.chunks(batchId))[0]).toMatchObject({
      InvokerId: invokers[0]?.InvokerId,
      Attempts: 1,
    });
    expect(await metricValue(worker, "tat_bulk_invokers_adopted_total")).toBe(adoptedBefore + 1);
    const stats = await stack.admin("GET", "/stats");
    expect(stats.duplicates).toBe(0);
    expect(stats.calls.DescribeInvokers?.Success).toBeGreaterThanOrEqual(1);
  });

  it("adopts by content when the request already uses all 10 tags", async () => {
    const tags = Array.from({ length: 10 }, (_, i) => ({ Key: `k${i}`, Value: "v" }));
    await script("internal-error-after");
    const batchId = await stack.submit(cvmIds(150), { Tags: tags });
    expect(await stack.waitForBatch(batchId)).toMatchObject({ Status: "SUCCEEDED" });
    const invokers = await simInvokers();
    expect(invokers).toHaveLength(2);
    for (const invoker of invokers) expect(invoker.Tags).toEqual(tags);
    expect((await stack.admin("GET", "/stats")).duplicates).toBe(0);
  });
});

describe("worker: schedule and cancel", () => {
  it("fails a ONCE chunk whose InvokeTime passed while it waited, without calling TAT", async () => {
    await worker.close();
    const invokeTime = new Date(Date.now() + 1000).toISOString().replace(/\.\d+Z$/, "Z");
    const batchId = await stack.submit(cvmIds(5), {
      ScheduleSettings: { Policy: "ONCE", InvokeTime: invokeTime },
    });
    await new Promise((resolve) => setTimeout(resolve, 1200));
    worker = await stack.startWorker({
      TAT_TIMEOUT_MS: "400",
      TAT_MAX_ATTEMPTS: "4",
      TAT_RATE_LIMIT: "1000",
    });
    expect(await stack.waitForBatch(batchId)).toMatchObject({ Status: "FAILED" });
    expect((await stack.chunks(batchId))[0]).toMatchObject({
      Status: "FAILED",
      Attempts: 0,
      Error: { Code: "InvalidParameterValue.InvokeTimeExpired" },
    });
    expect((await stack.admin("GET", "/stats")).calls.CreateInvoker).toBeUndefined();
  });

  it("cancel stops a running batch: started chunks finish, the rest are CANCELLED", async () => {
    await stack.admin("PATCH", "/faults", { latencyMs: 100 });
    const batchId = await stack.submit(cvmIds(10_000));
    for (let i = 0; i < 200 && ((await stack.store.reads.summary(batchId))?.Counts.Succeeded ?? 0) < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const cancelled = await stack.store.cancel(batchId);
    expect(cancelled?.CancelRequested).toBe(true);
    const summary = await stack.waitForBatch(batchId);
    await stack.admin("PATCH", "/faults", { latencyMs: 0 });
    expect(summary.Status).toBe("CANCELLED");
    expect(summary.Counts.Succeeded).toBeGreaterThanOrEqual(2);
    expect(summary.Counts.Cancelled).toBeGreaterThan(0);
    expect(summary.Counts.Succeeded + summary.Counts.Failed + summary.Counts.Cancelled).toBe(
      summary.ChunkCount,
    );
    const invokersAtEnd = (await simInvokers()).length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await simInvokers()).length).toBe(invokersAtEnd);
    expect(invokersAtEnd).toBe(summary.Counts.Succeeded);
  });

  it("cancel leaves a chunk whose earlier call may have created its invoker to its worker, which adopts it", async () => {
    const queueName = `${stack.queueName}-ambiguous-cancel`;
    const store = stack.storeFor(queueName);
    const batchId = await stack.submit(cvmIds(300), {}, store);
    // Chunk 1 as an ambiguous attempt leaves it: sent, back in the queue, "look first"; its invoker exists at TAT.
    const one = await store.reads.chunk(batchId, 1);
    if (!one) throw new Error("no chunk 1");
    const parts = one.parts.map((part) => ({
      ...part,
      checked: true,
      mayExist: true,
      firstSentAt: Date.now(),
      attempts: 1,
    }));
    await store.transitions.write(batchId, 1, one, { ...one, parts, attempts: 1 });
    const client = simClient(stack.simUrl);
    const made = await client.call<{ InvokerId: string }>("CreateInvoker", "ap-guangzhou", {
      ...baseRequest,
      Region: undefined,
      InstanceIds: cvmIds(300).slice(100, 200),
      Tags: [{ Key: CHUNK_TAG_KEY, Value: chunkTagValue({ batchId, index: 1, key: "" }) }],
    });
    client.close();

    const afterCancel = await store.cancel(batchId);
    expect(afterCancel?.Counts).toMatchObject({ Cancelled: 2, Queued: 1 });
    const late = await stack.startWorker({ QUEUE_NAME: queueName });
    await stack.waitForBatch(batchId, 5_000, store);
    expect(await store.reads.summary(batchId)).toMatchObject({
      Status: "CANCELLED",
      Counts: { Succeeded: 1, Cancelled: 2 },
    });
    const page = await store.reads.chunkPage(batchId, { offset: 1, limit: 1 });
    expect(page.items[0]).toMatchObject({
      Status: "SUCCEEDED",
      InvokerId: made.ok ? made.response.InvokerId : "none",
    });
    expect((await stack.admin("GET", "/stats")).calls.CreateInvoker).toEqual({ Success: 1 });
    await late.close();
  });
});
