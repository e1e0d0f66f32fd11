import type { PassResult } from "@tat-bulk/batches";
import { startRedisServer } from "@tat-bulk/test-support";
import { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { beforeDeadline, watched } from "../src/job-watch.js";
import { startReconcilerLoop } from "../src/reconciler-loop.js";
import { createWorkerMetrics } from "../src/worker-metrics.js";
import { cvmIds, metricValue, type Stack, startStack } from "./worker-harness.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const never = () => new Promise<never>(() => undefined);

describe("a wait that never ends", () => {
  it("puts the job back at its stall deadline instead of holding it", async () => {
    const started = performance.now();
    const outcome = await watched(
      150,
      () => never(),
      () => "put back",
    );
    expect(outcome).toBe("put back");
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("lets a job that keeps getting somewhere run past the deadline", async () => {
    const outcome = await watched(
      150,
      async (watch) => {
        for (let step = 0; step < 6; step++) {
          await sleep(60);
          watch.touch();
        }
        return "done";
      },
      () => "put back",
    );
    expect(outcome).toBe("done");
  });

  it("leaves a dispatch or outbox pass behind at its deadline", async () => {
    expect(await beforeDeadline(never(), 50)).toBe("late");
    expect(await beforeDeadline(Promise.resolve(7), 50)).toBe(7);
  });
});

describe("the reconciler loop", () => {
  let server: Awaited<ReturnType<typeof startRedisServer>>;
  beforeAll(async () => {
    server = await startRedisServer({ appendfsync: "everysec" });
  });
  afterAll(async () => {
    await server.close();
  });

  const loop = (redis: Redis, pass: () => Promise<PassResult>) => {
    const metrics = createWorkerMetrics();
    const keys = { reconcilerLock: `test:reconciler:${Math.random()}` };
    const store = { keys, queue: undefined, jobs: undefined } as unknown as Parameters<
      typeof startReconcilerLoop
    >[0]["store"];
    const running = startReconcilerLoop({
      redis,
      store,
      intervalMs: 50,
      passDeadlineMs: 200,
      metrics,
      logger: pino({ level: "silent" }),
      pass,
    });
    return { metrics, running };
  };
  const passes = async (metrics: ReturnType<typeof createWorkerMetrics>, outcome: string) =>
    (await metrics.registry.getSingleMetric("tat_bulk_reconciler_passes_total")?.get())?.values.find(
      (v) => v.labels.outcome === outcome,
    )?.value ?? 0;

  it("goes on after a pass that throws and after one that never ends, and stamps each finished pass", async () => {
    const redis = new Redis(server.url, { maxRetriesPerRequest: null });
    const script = [
      () => Promise.reject(new Error("Connection is closed.")),
      () => never(),
      async () => ({ repairs: [], errors: [{ batchId: "bat-1", error: "not a stored chunk" }], batches: 2 }),
    ];
    let n = 0;
    const { metrics, running } = loop(redis, () =>
      (script[n++] ?? (async () => ({ repairs: [], errors: [], batches: 0 })))(),
    );
    for (let i = 0; i < 100 && (await passes(metrics, "ok")) === 0; i++) await sleep(50);
    await running.close();
    redis.disconnect();
    expect(await passes(metrics, "failed")).toBe(1);
    expect(await passes(metrics, "stalled")).toBe(1);
    expect(await passes(metrics, "errors")).toBe(1);
    expect(await passes(metrics, "ok")).toBeGreaterThan(0);
    const stamp = (
      await metrics.registry.getSingleMetric("tat_bulk_reconciler_last_pass_timestamp_seconds")?.get()
    )?.values[0]?.value;
    expect(stamp).toBeGreaterThan(Date.now() / 1000 - 5);
  }, 20_000);

  it("runs again once Redis is back from a SIGKILL and a restart", async () => {
    const redis = new Redis(server.url, { maxRetriesPerRequest: null });
    redis.on("error", () => undefined);
    const { metrics, running } = loop(redis, async () => {
      await redis.ping();
      return { repairs: [], errors: [], batches: 0 };
    });
    await sleep(300);
    await server.kill("SIGKILL");
    await sleep(1000);
    const before = await passes(metrics, "ok");
    await server.restart();
    for (let i = 0; i < 100 && (await passes(metrics, "ok")) <= before + 2; i++) await sleep(50);
    await running.close();
    redis.disconnect();
    expect(await passes(metrics, "ok")).toBeGreaterThan(before + 2);
  }, 20_000);
});

describe("a chunk job waiting out a TAT outage", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it("is put back each time it waits past WORKER_JOB_STALL_MS, and its batch finishes once TAT is back", async () => {
    const worker = await stack.startWorker({
      TAT_TIMEOUT_MS: "1000",
      WORKER_JOB_STALL_MS: "1500",
      TAT_BREAKER_PROBE_MS: "3000",
      TAT_BREAKER_PROBE_MAX_MS: "3000",
    });
    await stack.admin("POST", "/outage", { durationMs: 7000, fault: "internal-error-before" });
    const batchId = await stack.submit(cvmIds(300));
    const summary = await stack.waitForBatch(batchId, 30_000);
    expect(summary).toMatchObject({ Status: "SUCCEEDED", Instances: { Succeeded: 300 } });
    expect(await metricValue(worker, "tat_bulk_jobs_stalled_total", { queue: "chunks" })).toBeGreaterThan(0);
    expect((await stack.admin("GET", "/stats")).duplicates).toBe(0);
  }, 40_000);
});
