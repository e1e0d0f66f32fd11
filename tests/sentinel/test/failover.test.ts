import {
  type AcceptedBatch,
  chaosHeld,
  checkChaosRun,
  cvmIds,
  intakeCaller,
  type SentinelProcessStack,
  type ServiceProcess,
  sampleBatch,
  simAdmin,
  simulatorWorkerEnv,
  startApp,
  startSentinelProcessStack,
} from "@tat-bulk/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const KEY = "sentinel-test-key-0123456789abcdef";
const NAME = "sentinel-e2e";
let stack: SentinelProcessStack;
let second: ServiceProcess | undefined;
beforeAll(async () => {
  stack = await startSentinelProcessStack({
    name: NAME,
    sentinel: { replicas: 1, redis: { appendfsync: "everysec" } },
    intakeEnv: {
      INTAKE_API_KEYS: KEY,
      INTAKE_CALLER_REQUESTS_PER_SECOND: "100000",
      INTAKE_MIN_REPLICAS: "1",
      INTAKE_REPLICA_TIMEOUT_MS: "500",
    },
    // A remote service: calls are in flight when the primary dies.
    simEnv: { TAT_SIM_LATENCY_MS: "20", TAT_SIM_LATENCY_JITTER_MS: "40" },
  });
  second = await startApp("worker", {
    ...stack.redisEnv,
    QUEUE_NAME: NAME,
    ...simulatorWorkerEnv(stack.sim.ready),
  });
});
// Both workers stop together, so that one's close does not add to the other's.
afterAll(async () => {
  const running = second;
  const [code] = await Promise.all([running?.stop(), stack?.close()]);
  if (running && code !== 0) console.log(`the second worker exited with ${String(code)} on SIGTERM`);
}, 120_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the Redis primary SIGKILLed mid-drain, Sentinel failing over to its replica", () => {
  it("ends every accepted batch with no duplicate and nothing stranded; no 202 from before the kill is lost", async () => {
    const api = intakeCaller(stack.intake.ready, KEY);
    const admin = simAdmin(stack.sim.ready);
    const big = cvmIds(6000);
    const { BatchId: bigId } = await api.post<{ BatchId: string }>("/v1/invoker-batches", sampleBatch(big));
    const accepted: AcceptedBatch[] = [{ batchId: bigId, instanceIds: big, acceptedAt: Date.now() }];
    const refused: Record<number, number> = {};
    let next = 10_000;
    let submitting = true;
    const submitter = (async () => {
      while (submitting) {
        const instanceIds = cvmIds(20, next);
        next += 20;
        const answer = await api
          .call<{ BatchId?: string }>("POST", "/v1/invoker-batches", sampleBatch(instanceIds))
          .catch(() => undefined);
        if (answer?.status === 202 && answer.body.BatchId)
          accepted.push({ batchId: answer.body.BatchId, instanceIds, acceptedAt: Date.now() });
        else refused[answer?.status ?? 0] = (refused[answer?.status ?? 0] ?? 0) + 1;
        await sleep(100);
      }
    })();

    // Mid-drain: some chunks done, most not.
    for (;;) {
      const answer = await api.call<{ Counts: { Succeeded: number } }>(
        "GET",
        `/v1/invoker-batches/${bigId}?chunkLimit=0`,
      );
      if (answer.status === 200 && answer.body.Counts.Succeeded >= 30) break;
      await sleep(100);
    }
    // The Sentinel every client asks first hangs through the failover: ioredis' failover detector
    // once ended a client for good when the news came while it was asking (a worker then spun).
    stack.sentinel.freeze(0, true);
    const killedAt = Date.now();
    const killed = await stack.sentinel.failover();
    const failedOverMs = Date.now() - killedAt;
    await sleep(1000);
    stack.sentinel.freeze(0, false);
    const acceptedBeforeKill = accepted.filter((b) => b.acceptedAt < killedAt).length;
    // With its only replica promoted, a batch cannot reach INTAKE_MIN_REPLICAS until the old
    // primary is back, now as the new primary's replica: the intake refuses until then.
    await sleep(2000);
    await killed.restart();
    const rejoined = Date.now();
    let acceptedAgain = false;
    while (Date.now() - rejoined < 30_000 && !acceptedAgain) {
      await sleep(500);
      acceptedAgain = accepted.some((b) => b.acceptedAt > rejoined);
    }
    submitting = false;
    await submitter;
    expect(acceptedAgain).toBe(true);
    expect(refused[503] ?? 0).toBeGreaterThan(0);

    for (const batch of accepted) await api.waitForBatch(batch.batchId, 120_000);
    const [{ invokers }, stats] = await Promise.all([
      admin<{ invokers: Parameters<typeof checkChaosRun>[1] }>("GET", "/invokers"),
      admin<{ duplicates: number }>("GET", "/stats"),
    ]);
    const verdict = await checkChaosRun(api, invokers, stats.duplicates, accepted);
    expect({ ...verdict, accepted: acceptedBeforeKill > 0 }).toMatchObject({
      accepted: true,
      stuck: [],
      missing: [],
      duplicates: 0,
      mismatched: [],
      miscounted: [],
    });
    expect(chaosHeld(verdict)).toBe(true);
    console.log(
      JSON.stringify({
        accepted: accepted.length,
        acceptedBeforeKill,
        refused,
        failedOverMs,
        instances: verdict.instances,
        reportedSucceeded: verdict.reportedSucceeded,
        tatInstances: verdict.tatInstances,
      }),
    );
    expect(await api.get<{ Status: string }>(`/v1/invoker-batches/${bigId}?chunkLimit=0`)).toMatchObject({
      Status: "SUCCEEDED",
    });
  });

  it("leaves every process running, and each stops on SIGTERM", async () => {
    const processes = { intake: stack.intake, worker: stack.worker, second };
    for (const [name, service] of Object.entries(processes)) {
      expect({ name, exitCode: service?.child.exitCode }).toEqual({ name, exitCode: null });
      expect(service?.output()).not.toContain("closed for good");
    }
    const stopping = Date.now();
    expect(await second?.stop()).toBe(0);
    second = undefined;
    console.log(JSON.stringify({ workerStopMs: Date.now() - stopping }));
  }, 60_000);
});
