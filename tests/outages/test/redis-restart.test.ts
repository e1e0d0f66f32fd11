import { redisKeys } from "@tat-bulk/batches";
import {
  cvmIds,
  intakeCaller,
  type ProcessStack,
  sampleBatch,
  simAdmin,
  simulatorWorkerEnv,
  startApp,
  startProcessStack,
} from "@tat-bulk/test-support";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";

const KEY = "restart-test-key-0123456789abcdef";
const CHUNKS = 60;

let stack: ProcessStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("Redis SIGKILLed mid-drain and restarted 3 s later on the same port and data (AOF everysec)", () => {
  it("pauses the work: the batch ends SUCCEEDED with no duplicate; the intake answers 503 meanwhile", async () => {
    stack = await startProcessStack({
      name: "redis-restart",
      redis: { appendfsync: "everysec" },
      intakeEnv: { INTAKE_API_KEYS: KEY },
      workerEnv: { RECONCILE_INTERVAL_MS: "1000" },
    });
    const api = intakeCaller(stack.intake.ready, KEY);
    const { BatchId } = await api.post<{ BatchId: string }>(
      "/v1/invoker-batches",
      sampleBatch(cvmIds(CHUNKS * 100)),
    );
    for (let i = 0; i < 100; i++) {
      const { Instances } = await api.get<{ Instances: { Succeeded: number } }>(
        `/v1/invoker-batches/${BatchId}?chunkLimit=0`,
      );
      if (Instances.Succeeded >= 500) break;
      await sleep(50);
    }

    await stack.redis.kill("SIGKILL");
    const during = await api.call<{ Error: { Code: string } }>("GET", `/v1/invoker-batches/${BatchId}`);
    const submit = await api.call<{ Error: { Code: string } }>(
      "POST",
      "/v1/invoker-batches",
      sampleBatch(cvmIds(100)),
    );
    const ready = await fetch(`${stack.intake.ready}/readyz`);
    await sleep(3000);
    await stack.redis.restart();

    for (const answer of [during, submit]) {
      expect(answer.status).toBe(503);
      expect(answer.body.Error.Code).toBe("ServiceUnavailable");
      expect(Number(answer.headers.get("retry-after"))).toBeGreaterThan(0);
    }
    expect(ready.status).toBe(503);

    const final = await api.waitForBatch(BatchId, 60_000);
    expect(final).toMatchObject({ Status: "SUCCEEDED", Instances: { Succeeded: CHUNKS * 100, Pending: 0 } });
    const stats = await simAdmin(stack.sim.ready)<{ duplicates: number; invokers: number }>("GET", "/stats");
    expect(stats).toMatchObject({ duplicates: 0, invokers: CHUNKS });
    // Nothing went to BullMQ's failed set.
    const redis = new Redis(stack.redis.url);
    expect(await redis.zcard("bull:{redis-restart}:redis-restart:failed")).toBe(0);
    redis.disconnect();
    expect((await fetch(`${stack.intake.ready}/readyz`)).status).toBe(200);
  }, 90_000);
});

describe("a chunk job deleted behind the workers' back", () => {
  it("is added again by the reconciler, and its batch finishes", async () => {
    stack = await startProcessStack({
      name: "reconciler",
      intakeEnv: { INTAKE_API_KEYS: KEY },
      workerEnv: false,
    });
    const api = intakeCaller(stack.intake.ready, KEY);
    const { BatchId } = await api.post<{ BatchId: string }>("/v1/invoker-batches", sampleBatch(cvmIds(300)));
    // Chunk 1 taken from the scheduler as if a dispatcher had picked it and died before adding its
    // job: no job, and nothing waiting to make one.
    const redis = new Redis(stack.redis.url);
    expect(await redis.lrem(redisKeys("reconciler").schedPending(BatchId), 0, "1")).toBe(1);
    redis.disconnect();

    const worker = await startApp("worker", {
      REDIS_URL: stack.redis.url,
      QUEUE_NAME: "reconciler",
      RECONCILE_INTERVAL_MS: "300",
      ...simulatorWorkerEnv(stack.sim.ready),
    });
    try {
      const final = await api.waitForBatch(BatchId, 30_000);
      expect(final).toMatchObject({ Status: "SUCCEEDED", Counts: { Succeeded: 3 } });
      const metrics = await (await fetch(`${worker.ready}/metrics`)).text();
      expect(metrics).toContain('tat_bulk_reconciler_repairs_total{kind="missing-job"} 1');
      expect(metrics).toContain("tat_bulk_reconciler_leader 1");
    } finally {
      await worker.stop();
    }
  }, 60_000);
});
