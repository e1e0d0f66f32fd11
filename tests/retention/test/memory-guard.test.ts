import {
  cvmIds,
  intakeCaller,
  type ProcessStack,
  sampleBatch,
  simulatorWorkerEnv,
  startApp,
  startProcessStack,
  startRedisServer,
} from "@tat-bulk/test-support";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const KEY = "memory-test-key-0123456789abcdef";
const MAX_BYTES = 40 * 1024 * 1024;
let stack: ProcessStack;
let redis: Redis;
beforeAll(async () => {
  stack = await startProcessStack({
    name: "memory-e2e",
    intakeEnv: { INTAKE_API_KEYS: KEY, INTAKE_CALLER_REQUESTS_PER_SECOND: "1000" },
    redis: { args: ["--maxmemory", String(MAX_BYTES), "--maxmemory-policy", "noeviction"] },
  });
  redis = new Redis(stack.redis.url);
});
afterAll(async () => {
  redis?.disconnect();
  await stack?.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const used = async () => Number(/used_memory:(\d+)/.exec(await redis.info("memory"))?.[1]);

/**
 * Fills Redis with junk up to `share` of its maxmemory: 1 MB values to 2 MB short of it, then 64 KB
 * ones until the reading holds. used_memory also counts the query buffer of a 1 MB SET until Redis's
 * client cron frees it (within a second), so a fill that stopped on that reading left megabytes free.
 */
async function fillTo(share: number): Promise<void> {
  const target = share * MAX_BYTES;
  const big = "x".repeat(1024 * 1024);
  const small = "x".repeat(64 * 1024);
  let i = 0;
  while ((await used()) < target - 2 * 1024 * 1024) await redis.set(`junk:${i++}`, big);
  for (let steady = 0; steady < 2; ) {
    await sleep(600);
    if ((await used()) >= target) steady++;
    else {
      steady = 0;
      while ((await used()) < target) await redis.set(`junk:${i++}`, small);
    }
  }
}

async function dropJunk(): Promise<void> {
  const junk = await redis.keys("junk:*");
  if (junk.length) await redis.del(...junk);
}

const batchKeys = async () => (await redis.keys("tat-bulk:{memory-e2e}:batch:*")).length;

describe("a Redis near its maxmemory", () => {
  it("refuses new batches with 503 ResourceInsufficient.Memory above the watermark, shows its memory, and takes them again below", async () => {
    const api = intakeCaller(stack.intake.ready, KEY);
    await fillTo(0.92);
    await sleep(1500);
    const refused = await api.call<{ Error: { Code: string; Message: string } }>(
      "POST",
      "/v1/invoker-batches",
      sampleBatch(cvmIds(100)),
    );
    expect([refused.status, refused.body.Error?.Code], JSON.stringify(refused.body).slice(0, 300)).toEqual([
      503,
      "ResourceInsufficient.Memory",
    ]);
    expect(refused.body.Error.Message).toContain("maxmemory");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await batchKeys()).toBe(0);
    // Reads go on, and the gauges say why.
    expect((await api.call("GET", "/v1/invoker-batches")).status).toBe(200);
    const metrics = await (await fetch(`${stack.intake.ready}/metrics`)).text();
    expect(metrics).toContain(`tat_bulk_redis_memory_max_bytes ${MAX_BYTES}`);
    const usedMetric = Number(/^tat_bulk_redis_memory_used_bytes (\d+)/m.exec(metrics)?.[1]);
    expect(usedMetric).toBeGreaterThan(0.9 * MAX_BYTES);

    await dropJunk();
    await sleep(1500);
    const accepted = await api.call<{ BatchId: string }>(
      "POST",
      "/v1/invoker-batches",
      sampleBatch(cvmIds(100)),
    );
    expect(accepted.status).toBe(202);
    await api.waitForBatch(accepted.body.BatchId);
  }, 60_000);

  it("leaves no half-written batch when Redis itself refuses a write (no watermark)", async () => {
    const late = await stack.startIntake({
      QUEUE_NAME: "memory-e2e",
      INTAKE_API_KEYS: KEY,
      INTAKE_MEMORY_WATERMARK: "1",
    });
    const api = intakeCaller(late.ready, KEY);
    const before = await batchKeys();
    await fillTo(0.995);
    // 60,000 instances: about 2 MB of records, more than is left.
    const refused = await api.call<{ Error: { Code: string } }>(
      "POST",
      "/v1/invoker-batches",
      sampleBatch(cvmIds(60_000)),
    );
    expect([refused.status, refused.body.Error?.Code], JSON.stringify(refused.body).slice(0, 300)).toEqual([
      503,
      "ResourceInsufficient.Memory",
    ]);
    // Nothing of it stays: no batch, no chunk records, no place in the scheduler.
    expect(await batchKeys()).toBe(before);
    expect(await redis.keys("tat-bulk:{memory-e2e}:sched:pending:*")).toEqual([]);
    await dropJunk();
  }, 60_000);
});

describe("a Redis that evicts keys", () => {
  it("is refused at start by the worker and the intake, unless REDIS_ALLOW_EVICTION=true", async () => {
    const lru = await startRedisServer({
      args: ["--maxmemory", "100mb", "--maxmemory-policy", "allkeys-lru"],
    });
    try {
      const env = { REDIS_URL: lru.url, QUEUE_NAME: "evicting", ...simulatorWorkerEnv(stack.sim.ready) };
      await expect(startApp("worker", env)).rejects.toThrow(/maxmemory-policy is allkeys-lru/);
      await expect(startApp("intake", { ...env, INTAKE_API_KEYS: KEY })).rejects.toThrow(
        /REDIS_ALLOW_EVICTION=true/,
      );
      const allowed = await startApp("worker", { ...env, REDIS_ALLOW_EVICTION: "true" });
      const code = await allowed.stop();
      expect(code, `${allowed.child.signalCode}: ${allowed.output().slice(-2000)}`).toBe(0);
    } finally {
      await lru.close();
    }
  }, 60_000);
});
